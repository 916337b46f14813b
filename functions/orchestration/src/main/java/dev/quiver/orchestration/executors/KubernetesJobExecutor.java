package dev.quiver.orchestration.executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.digest.Sha256;
import io.cloudevents.core.extensions.DistributedTracingExtension;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The {@code kubernetes-job} executor: runs a step attempt as a Kubernetes Job ({@code params.image} and
 * {@code params.command}, the step's CPU, memory and GPU as requests and limits, its workers as parallelism, its
 * deadline as {@code activeDeadlineSeconds}, no retries of its own: the orchestrator decides those) and watches it:
 * while it runs it sends heartbeats; when it ends it reports success, or failure as {@code OutOfMemory} (a container
 * killed for memory), {@code DeadlineExceeded} or {@code ExitCode}. The Job's name follows from the run, instance and
 * attempt, so dispatching it twice creates it once. Enabled by {@code quiver.orchestration.kubernetes.enabled}.
 *
 * <p>A step of several workers is an Indexed Job, worker {@code i} the pod of completion index {@code i}
 * ({@code JOB_COMPLETION_INDEX} in its environment). A worker found far slower than its peers is replaced: its pod is
 * evicted through the Eviction API, which marks it with the {@code DisruptionTarget} condition, and the Job's pod
 * failure policy ignores such a failure, so the Job starts the same index again (on another node, unless the scheduler
 * picks the same one) without counting it against the Job's backoff limit of 0.
 *
 * <p>With {@code quiver.orchestration.kubernetes.kueue}, Kueue admits the Jobs: each is created suspended and labelled
 * with its step's pool queue (the LocalQueue {@code ./quiver kueue} renders for it) and priority class (its
 * WorkloadPriorityClass). A suspended Job is waiting for Kueue and reports nothing; the first heartbeat of a Job Kueue
 * unsuspended tells the orchestrator that the step runs. A Job that ran and that Kueue suspends again (evicted, to give
 * its room to other work) is reported as such: its step waits for Kueue again.
 */
@ApplicationScoped
public class KubernetesJobExecutor {

    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "quiver-orchestration";
    static final String RUN = "quiver.dev/run-id";
    static final String ATTEMPT = "quiver.dev/attempt";
    static final String INSTANCE = "quiver.dev/instance";
    static final String REPORTED = "quiver.dev/reported";
    /** On a Job Kueue admitted and that was seen running: its suspension after that is an eviction. */
    static final String ADMITTED = "quiver.dev/admitted";
    /**
     * The prefix of the annotations in which a Job keeps the trace context its attempt was dispatched in
     * ({@code quiver.dev/traceparent}, {@code quiver.dev/tracestate}).
     */
    static final String TRACE_ANNOTATIONS = "quiver.dev/";
    static final String KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";
    static final String KUEUE_PRIORITY = "kueue.x-k8s.io/priority-class";
    /** A worker named by its completion index: {@code 2}, {@code w2}, {@code worker-2}. */
    private static final Pattern NUMBERED_WORKER = Pattern.compile("[A-Za-z_-]*([0-9]{1,9})");
    /** The label Kubernetes gives each pod of an Indexed Job. */
    static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

    private static final Logger LOG = Logger.getLogger(KubernetesJobExecutor.class);

    private final KubernetesClient client;
    private final StepReporter reports;
    private final ObjectMapper json;
    private final Clock clock;
    private final EventTracing tracing;
    private final Optional<String> namespace;
    private final boolean enabled;
    private final boolean kueue;

    @Inject
    public KubernetesJobExecutor(KubernetesClient client, StepReports reports, ObjectMapper json, Clock clock,
                                 EventTracing tracing, OrchestrationConfig config) {
        this(client, reports, json, clock, tracing, config.kubernetes().namespace(), config.kubernetes().enabled(),
                config.kubernetes().kueue());
    }

    KubernetesJobExecutor(KubernetesClient client, StepReporter reports, ObjectMapper json, Clock clock,
                          EventTracing tracing, Optional<String> namespace, boolean enabled, boolean kueue) {
        this.kueue = kueue;
        this.client = client;
        this.reports = reports;
        this.json = json;
        this.clock = clock;
        this.tracing = tracing;
        this.namespace = namespace;
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Creates the attempt's Job unless it exists. */
    public void start(StepDispatched step) {
        if (!(step.params().get("image") instanceof String image) || image.isBlank()) {
            reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), "InvalidConfiguration", null,
                    false, "params.image: required, the container image to run"));
            return;
        }
        String name = jobName(step);
        try {
            if (client.batch().v1().jobs().inNamespace(namespace()).withName(name).get() != null) {
                return;
            }
            client.batch().v1().jobs().inNamespace(namespace()).resource(job(step, name, image)).create();
            LOG.infof("run %s: %s attempt %d runs as Job %s/%s", step.runId(), step.instance(), step.attempt(),
                    namespace(), name);
        } catch (KubernetesClientException | JsonProcessingException e) {
            String errorClass = e instanceof KubernetesClientException k && k.getCode() >= 400 && k.getCode() < 500
                    ? "InvalidConfiguration" : "ExecutorUnavailable";
            reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), errorClass, null, false,
                    "Job " + name + " could not be created: " + e.getMessage()));
        }
    }

    /**
     * Deletes the attempt's Job with its pods: the attempt was preempted or cancelled, and is recorded as such, so
     * nothing is reported of its end. A Job already gone is no error.
     */
    public void stop(String runId, String instance, int attempt, String why) {
        if (!enabled) {
            return;
        }
        try {
            for (Job job : jobsOf(runId, instance, attempt)) {
                client.batch().v1().jobs().inNamespace(namespace()).withName(job.getMetadata().getName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                LOG.infof("run %s: %s attempt %d: Job %s deleted (%s)", runId, instance, attempt,
                        job.getMetadata().getName(), why);
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("run %s: %s attempt %d: its Job could not be deleted (%s): %s", runId, instance, attempt, why,
                    e.getMessage());
        }
    }

    /**
     * Replaces a slow worker of the attempt's Job: evicts the running pod that is that worker, named as the step's
     * heartbeats name it: the pod's own name (its {@code HOSTNAME}), or its completion index, bare or after a dash
     * ({@code 2}, {@code worker-2}). A worker that matches no running pod (ended, or named otherwise) is left alone.
     *
     * @return the pod evicted
     */
    public Optional<String> replaceWorker(String runId, String instance, int attempt, String worker, String why) {
        if (!enabled) {
            return Optional.empty();
        }
        try {
            for (Job job : jobsOf(runId, instance, attempt)) {
                for (Pod pod : client.pods().inNamespace(namespace())
                        .withLabel("job-name", job.getMetadata().getName()).list().getItems()) {
                    if (isRunning(pod) && isWorker(pod, worker)) {
                        String name = pod.getMetadata().getName();
                        if (!client.pods().inNamespace(namespace()).withName(name).evict()) {
                            LOG.warnf("run %s: %s attempt %d: worker %s (pod %s) cannot be evicted now (a "
                                    + "disruption budget); it runs on", runId, instance, attempt, worker, name);
                            return Optional.empty();
                        }
                        LOG.infof("run %s: %s attempt %d: worker %s (pod %s) evicted for its Job to start it again: %s",
                                runId, instance, attempt, worker, name, why);
                        return Optional.of(name);
                    }
                }
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("run %s: %s attempt %d: worker %s could not be replaced (%s): %s", runId, instance, attempt,
                    worker, why, e.getMessage());
        }
        return Optional.empty();
    }

    private List<Job> jobsOf(String runId, String instance, int attempt) {
        return client.batch().v1().jobs().inNamespace(namespace()).withLabel(MANAGED_BY, MANAGER)
                .withLabel(RUN, runId).withLabel(ATTEMPT, Integer.toString(attempt)).list().getItems().stream()
                .filter(job -> job.getMetadata().getAnnotations() != null
                        && instance.equals(job.getMetadata().getAnnotations().get(INSTANCE)))
                .toList();
    }

    private static boolean isRunning(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
                && ("Running".equals(pod.getStatus().getPhase()) || "Pending".equals(pod.getStatus().getPhase()));
    }

    private static boolean isWorker(Pod pod, String worker) {
        if (pod.getMetadata().getName().equals(worker)) {
            return true;
        }
        Map<String, String> labels = pod.getMetadata().getLabels();
        Matcher numbered = NUMBERED_WORKER.matcher(worker);
        return labels != null && numbered.matches() && labels.containsKey(COMPLETION_INDEX)
                && new BigInteger(numbered.group(1)).toString().equals(labels.get(COMPLETION_INDEX));
    }

    /** Reports on every Job of ours that is running (a heartbeat) or has ended and was not reported yet. */
    @Scheduled(every = "${quiver.orchestration.kubernetes.poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void poll() {
        if (!enabled) {
            return;
        }
        List<Job> jobs;
        try {
            jobs = client.batch().v1().jobs().inNamespace(namespace()).withLabel(MANAGED_BY, MANAGER).list()
                    .getItems();
        } catch (KubernetesClientException e) {
            LOG.warnf("Jobs in %s cannot be listed: %s", namespace(), e.getMessage());
            return;
        }
        for (Job job : jobs) {
            Map<String, String> labels = job.getMetadata().getLabels();
            Map<String, String> annotations = job.getMetadata().getAnnotations();
            if (annotations == null || annotations.containsKey(REPORTED) || !labels.containsKey(RUN)) {
                continue;
            }
            String run = labels.get(RUN);
            String instance = annotations.get(INSTANCE);
            int attempt = Integer.parseInt(labels.get(ATTEMPT));
            Optional<JobCondition> ended = job.getStatus() == null || job.getStatus().getConditions() == null
                    ? Optional.empty()
                    : job.getStatus().getConditions().stream()
                            .filter(condition -> "True".equals(condition.getStatus())
                                    && ("Complete".equals(condition.getType()) || "Failed".equals(condition.getType())))
                            .findFirst();
            boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
            if (ended.isEmpty() && suspended) {
                if (annotations.containsKey(ADMITTED)) {
                    // it ran, and Kueue suspended it again to give its room to other work: it waits to be readmitted
                    reports.evicted(run, instance, attempt, "Kueue suspended Job " + job.getMetadata().getName()
                            + " again; it runs when Kueue readmits it");
                    annotate(job, annotated -> annotated.remove(ADMITTED));
                }
                continue;
            }
            if (ended.isEmpty()) {
                if (kueue && !annotations.containsKey(ADMITTED)) {
                    annotate(job, annotated -> annotated.put(ADMITTED, clock.instant().toString()));
                }
                reports.heartbeat(new StepHeartbeat(run, instance, attempt, clock.instant(), null, null, null, null,
                        null));
                continue;
            }
            boolean complete = "Complete".equals(ended.get().getType());
            // the end is reported in the trace the attempt was dispatched in, which its Job kept
            Span span = tracing.startProcess(complete ? EventTypes.STEP_COMPLETED : EventTypes.STEP_FAILED,
                    traceContext(annotations));
            try (Scope ignored = span.makeCurrent()) {
                if (complete) {
                    reports.completed(new StepCompleted(run, instance, attempt, Map.of("job",
                            job.getMetadata().getName()), Map.of(), List.of()));
                } else {
                    reports.failed(failure(job, ended.get(), run, instance, attempt));
                }
            } finally {
                span.end();
            }
            annotate(job, annotated -> annotated.put(REPORTED, clock.instant().toString()));
        }
    }

    private void annotate(Job job, Consumer<Map<String, String>> change) {
        client.batch().v1().jobs().inNamespace(namespace()).withName(job.getMetadata().getName()).edit(edited -> {
            change.accept(edited.getMetadata().getAnnotations());
            return edited;
        });
    }

    private StepFailed failure(Job job, JobCondition condition, String run, String instance, int attempt) {
        if ("DeadlineExceeded".equals(condition.getReason())) {
            return new StepFailed(run, instance, attempt, "DeadlineExceeded", null, false,
                    "Job " + job.getMetadata().getName() + ": " + condition.getMessage());
        }
        for (Pod pod : client.pods().inNamespace(namespace()).withLabel("job-name", job.getMetadata().getName())
                .list().getItems()) {
            if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
                continue;
            }
            for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
                ContainerStateTerminated terminated = status.getState() == null ? null
                        : status.getState().getTerminated();
                if (terminated == null) {
                    continue;
                }
                boolean oom = "OOMKilled".equals(terminated.getReason());
                return new StepFailed(run, instance, attempt, oom ? "OutOfMemory" : "ExitCode",
                        terminated.getExitCode(), oom, "pod " + pod.getMetadata().getName() + " container "
                        + status.getName() + ": " + terminated.getReason()
                        + (terminated.getMessage() == null ? "" : " " + terminated.getMessage()));
            }
        }
        return new StepFailed(run, instance, attempt, "ExitCode", null, false, "Job " + job.getMetadata().getName()
                + " failed: " + condition.getReason() + " " + condition.getMessage());
    }

    /** The trace context a Job kept ({@link #TRACE_ANNOTATIONS}), as the attributes an event carries it in. */
    private static Map<String, String> traceContext(Map<String, String> annotations) {
        Map<String, String> context = new LinkedHashMap<>();
        for (String attribute : List.of(DistributedTracingExtension.TRACEPARENT,
                DistributedTracingExtension.TRACESTATE)) {
            String value = annotations.get(TRACE_ANNOTATIONS + attribute);
            if (value != null) {
                context.put(attribute, value);
            }
        }
        return context;
    }

    private Job job(StepDispatched step, String name, String image) throws JsonProcessingException {
        Map<String, Quantity> limits = new LinkedHashMap<>();
        limits.put("cpu", new Quantity(step.cpuMillis() + "m"));
        limits.put("memory", new Quantity(Long.toString(step.memoryBytes())));
        if (step.gpus() > 0) {
            limits.put("nvidia.com/gpu", new Quantity(Integer.toString(step.gpus())));
        }
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("QUIVER_RUN_ID", step.runId(), null));
        env.add(new EnvVar("QUIVER_PIPELINE", step.pipeline(), null));
        env.add(new EnvVar("QUIVER_STEP", step.step(), null));
        env.add(new EnvVar("QUIVER_INSTANCE", step.instance(), null));
        env.add(new EnvVar("QUIVER_ATTEMPT", Integer.toString(step.attempt()), null));
        env.add(new EnvVar("QUIVER_PARAMS", json.writeValueAsString(step.params()), null));
        env.add(new EnvVar("QUIVER_INPUTS", json.writeValueAsString(step.inputs() == null ? List.of()
                : step.inputs()), null));
        // the step's trace context, as OpenTelemetry's environment-variable carrier names it, for the Job's own spans
        Map<String, String> trace = EventTracing.currentContext();
        trace.forEach((attribute, value) -> env.add(new EnvVar(attribute.toUpperCase(Locale.ROOT), value, null)));
        Map<String, String> traceAnnotations = new LinkedHashMap<>();
        trace.forEach((attribute, value) -> traceAnnotations.put(TRACE_ANNOTATIONS + attribute, value));
        List<String> command = new ArrayList<>();
        if (step.params().get("command") instanceof List<?> parts) {
            parts.forEach(part -> command.add(String.valueOf(part)));
        }
        return new JobBuilder()
                .withNewMetadata()
                    .withName(name)
                    .addToLabels(MANAGED_BY, MANAGER)
                    .addToLabels(RUN, step.runId())
                    .addToLabels(ATTEMPT, Integer.toString(step.attempt()))
                    .addToAnnotations(INSTANCE, step.instance())
                    .addToAnnotations("quiver.dev/pipeline", step.pipeline() + "@" + step.pipelineVersion())
                    .addToAnnotations(traceAnnotations)
                    .addToLabels(kueueLabels(step))
                .endMetadata()
                .withNewSpec()
                    .withSuspend(kueue ? true : null)
                    .withBackoffLimit(0)
                    .withParallelism(step.workers())
                    .withCompletions(step.workers())
                    .withCompletionMode("Indexed")
                    .withNewPodFailurePolicy()
                        .addNewRule()
                            .withAction("Ignore")
                            .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                        .endRule()
                    .endPodFailurePolicy()
                    .withActiveDeadlineSeconds(step.deadlineSeconds())
                    .withTtlSecondsAfterFinished(86400)
                    .withNewTemplate()
                        .withNewMetadata().addToLabels(RUN, step.runId()).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .addNewContainer()
                                .withName("step")
                                .withImage(image)
                                .withCommand(command.isEmpty() ? null : command)
                                .withEnv(env)
                                .withResources(new ResourceRequirementsBuilder().withRequests(limits)
                                        .withLimits(limits).build())
                            .endContainer()
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** Kueue's labels: the LocalQueue and WorkloadPriorityClass named as the pool's queue and priority class. */
    private Map<String, String> kueueLabels(StepDispatched step) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (kueue) {
            labels.put(KUEUE_QUEUE, step.queue() == null ? "default" : step.queue());
            if (step.priorityClass() != null) {
                labels.put(KUEUE_PRIORITY, step.priorityClass());
            }
        }
        return labels;
    }

    /** {@code quiver-<step>-<10 hex of run/instance/attempt>}: a valid name of at most 63 characters. */
    static String jobName(StepDispatched step) {
        String stepPart = step.step().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        stepPart = stepPart.substring(0, Math.min(stepPart.length(), 40)).replaceAll("-+$", "");
        String digest = Sha256.of((step.runId() + "/" + step.instance() + "/" + step.attempt())
                .getBytes(StandardCharsets.UTF_8));
        return "quiver-" + stepPart + "-" + digest.substring(Sha256.PREFIX.length(), Sha256.PREFIX.length() + 10);
    }

    private String namespace() {
        return namespace.orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    }
}
