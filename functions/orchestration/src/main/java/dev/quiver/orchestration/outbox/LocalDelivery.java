package dev.quiver.orchestration.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepPreempted;
import dev.quiver.orchestration.executors.KubernetesJobExecutor;
import dev.quiver.orchestration.executors.ProcessExecutor;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Embedded mode's broker: a dispatched {@code process} step starts in the function's own {@link ProcessExecutor},
 * and a preempted one is killed there; built-in, {@code function} and (with a cluster) {@code kubernetes-job} steps run
 * in every mode (the relay starts them); a {@code kubernetes-job} step without a cluster is reported in the log and
 * waits (the heartbeat timeout fails it); every other event is logged, having no other consumer here.
 */
@ApplicationScoped
public class LocalDelivery implements Delivery {

    private static final Logger LOG = Logger.getLogger(LocalDelivery.class);

    private final ProcessExecutor processes;
    private final KubernetesJobExecutor jobs;
    private final ObjectMapper json;

    public LocalDelivery(ProcessExecutor processes, KubernetesJobExecutor jobs, ObjectMapper json) {
        this.processes = processes;
        this.jobs = jobs;
        this.json = json;
    }

    @Override
    public boolean deliver(Outbox.Entry entry) {
        if (EventTypes.STEP_PREEMPTED.equals(entry.type())) {
            StepPreempted stopped = read(entry, StepPreempted.class);
            processes.preempt(stopped.runId(), stopped.instance(), stopped.attempt());
            return true;
        }
        if (!EventTypes.STEP_DISPATCHED.equals(entry.type())) {
            LOG.infof("%s for run %s%s", entry.type(), entry.runId(),
                    entry.subject() == null ? "" : " (" + entry.subject() + ")");
            return true;
        }
        StepDispatched step = read(entry, StepDispatched.class);
        if (ExecutorKind.PROCESS.yamlName().equals(step.executor())) {
            processes.start(step);
        } else if (ExecutorKind.KUBERNETES_JOB.yamlName().equals(step.executor()) && !jobs.enabled()) {
            LOG.warnf("run %s: %s needs a Kubernetes cluster (quiver.orchestration.kubernetes.enabled); it waits",
                    step.runId(), step.instance());
        }
        return true;
    }

    private <T> T read(Outbox.Entry entry, Class<T> payload) {
        try {
            return json.readValue(entry.data(), payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox event " + entry.eventId() + " is not a " + entry.type()
                    + " payload: " + e.getOriginalMessage(), e);
        }
    }
}
