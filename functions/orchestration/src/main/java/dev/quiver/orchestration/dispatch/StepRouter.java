package dev.quiver.orchestration.dispatch;

import dev.quiver.events.pipeline.StepAlert;
import dev.quiver.events.pipeline.StepCancelled;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepPreempted;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.builtin.BuiltInSteps;
import dev.quiver.orchestration.executors.FunctionExecutor;
import dev.quiver.orchestration.executors.KubernetesJobExecutor;
import dev.quiver.orchestration.executors.ProcessExecutor;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The one place that decides what runs a dispatched step. Built-in and {@code function} steps, and
 * {@code kubernetes-job} steps where a cluster is configured, run from this function in every mode. Where the
 * function has no sink (embedded mode) it is its own broker, so {@code process} steps run in its own
 * {@link ProcessExecutor} and a {@code kubernetes-job} step without a cluster has nothing to run it; with a sink, those
 * are for the executors that take {@code dev.quiver.step.dispatched} from the broker.
 */
@ApplicationScoped
public class StepRouter {

    /** What runs a step. */
    public enum Runner {
        BUILT_IN,
        FUNCTION,
        KUBERNETES_JOB,
        PROCESS,
        /** An executor that takes the step's dispatch from the broker. */
        BROKER,
        /** Nothing: the step waits, and its heartbeat timeout fails it. */
        NONE
    }

    private static final Logger LOG = Logger.getLogger(StepRouter.class);

    private final boolean embedded;
    private final boolean replaceSlowWorkers;
    private final BuiltInSteps builtIns;
    private final FunctionExecutor functions;
    private final KubernetesJobExecutor jobs;
    private final ProcessExecutor processes;

    public StepRouter(OrchestrationConfig config, BuiltInSteps builtIns, FunctionExecutor functions,
                      KubernetesJobExecutor jobs, ProcessExecutor processes) {
        this.embedded = config.sink().isEmpty();
        this.replaceSlowWorkers = config.kubernetes().replaceSlowWorkers();
        this.builtIns = builtIns;
        this.functions = functions;
        this.jobs = jobs;
        this.processes = processes;
    }

    public Runner runner(ExecutorKind executor) {
        return switch (executor) {
            case SELECT_MODELS, PUBLISH_MODEL, AGGREGATE_PREDICTIONS -> Runner.BUILT_IN;
            case FUNCTION -> Runner.FUNCTION;
            case KUBERNETES_JOB -> jobs.enabled() ? Runner.KUBERNETES_JOB : embedded ? Runner.NONE : Runner.BROKER;
            case PROCESS -> embedded ? Runner.PROCESS : Runner.BROKER;
        };
    }

    /**
     * Stops a step the pool preempted where it runs here: an embedded {@code process} step's process tree is killed,
     * a {@code kubernetes-job} step's Job deleted, a {@code function} step's call abandoned (its answer would be
     * ignored anyway: the attempt is over). Its attempt is already recorded as preempted, so nothing is reported of its
     * end. The event does not name the executor; each is asked, and only the one running the attempt has it.
     */
    public void preempt(StepPreempted step) {
        stop(step.runId(), step.instance(), step.attempt(), "preempted by " + step.by());
    }

    /**
     * Stops a step an operator cancelled where it runs here, as a preempted one is: an embedded {@code process}
     * step's process tree is killed, a {@code kubernetes-job} step's Job deleted, a {@code function} step's call
     * abandoned. An executor on the broker stops it from the event.
     */
    public void cancel(StepCancelled step) {
        stop(step.runId(), step.instance(), step.attempt(), "cancelled by " + step.requestedBy());
    }

    /**
     * Acts on an alert where the step runs here: a {@code kubernetes-job} step's slow worker is replaced (its pod
     * evicted, the Job starts that worker again) unless {@code quiver.orchestration.kubernetes.replace-slow-workers}
     * is off. Other alerts are for people.
     */
    public void alert(StepAlert alert) {
        if (replaceSlowWorkers && "SlowWorker".equals(alert.errorClass()) && alert.worker() != null) {
            jobs.replaceWorker(alert.runId(), alert.instance(), alert.attempt(), alert.worker(), alert.reason());
        }
    }

    private void stop(String runId, String instance, int attempt, String why) {
        if (embedded) {
            processes.stop(runId, instance, attempt, why);
        }
        jobs.stop(runId, instance, attempt, why);
        functions.abandon(runId, instance, attempt);
    }

    /**
     * Starts a step whose dispatch this replica has sent, so that one replica starts it (a crash before the dispatch
     * was marked sent starts it again: built-in steps are idempotent, a function gets the same event id, a Job has
     * the same name, a process is a new attempt's only when its heartbeat timed out).
     */
    public void start(StepDispatched step) {
        ExecutorKind executor = ExecutorKind.fromYaml(step.executor()).orElseThrow(() -> new IllegalArgumentException(
                "run " + step.runId() + ": " + step.instance() + " names no executor Quiver knows: \""
                        + step.executor() + "\"; expected one of " + ExecutorKind.names()));
        switch (runner(executor)) {
            case BUILT_IN -> builtIns.start(step);
            case FUNCTION -> functions.start(step);
            case KUBERNETES_JOB -> jobs.start(step);
            case PROCESS -> processes.start(step);
            case NONE -> LOG.warnf("run %s: %s needs a Kubernetes cluster (quiver.orchestration.kubernetes.enabled); "
                    + "it waits", step.runId(), step.instance());
            case BROKER -> LOG.debugf("run %s: %s is for the broker's %s executor", step.runId(), step.instance(),
                    step.executor());
        }
    }
}
