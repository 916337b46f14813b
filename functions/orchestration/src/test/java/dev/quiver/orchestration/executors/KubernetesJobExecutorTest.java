package dev.quiver.orchestration.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.tracing.EventTracing;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kubernetes-job executor against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KubernetesJobExecutorTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    private final List<Object> reported = new CopyOnWriteArrayList<>();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    /** The span current when each report was made. */
    private final List<SpanContext> reportedIn = new CopyOnWriteArrayList<>();
    /** A namespace of each test's own, as the mock server is shared by the tests. */
    private final String namespace = "ml-" + UUID.randomUUID().toString().substring(0, 8);
    private KubernetesJobExecutor executor;

    @AfterEach
    void closeTracing() {
        sdk.close();
    }

    @BeforeEach
    void executor() {
        executor = new KubernetesJobExecutor(client, reporterInto(reported), new ObjectMapper(), Clock.systemUTC(),
                new EventTracing(sdk), Optional.of(namespace), true, false);
    }

    private StepReporter reporterInto(List<Object> reported) {
        return new StepReporter() {
            @Override
            public void heartbeat(StepHeartbeat heartbeat) {
                reported.add(heartbeat);
            }

            @Override
            public void completed(StepCompleted completed) {
                reported.add(completed);
                reportedIn.add(Span.current().getSpanContext());
            }

            @Override
            public void failed(StepFailed failed) {
                reported.add(failed);
                reportedIn.add(Span.current().getSpanContext());
            }

            @Override
            public void evicted(String runId, String instance, int attempt, String message) {
                reported.add("evicted " + instance + "#" + attempt);
            }
        };
    }

    @Test
    void aStepBecomesAJobWithItsImageResourcesAndDeadlineOnce() {
        StepDispatched step = step(Map.of("image", "registry.example/train:1.4", "command",
                List.of("python", "train.py"), "model", "forest"));
        executor.start(step);
        executor.start(step);

        List<Job> jobs = jobs();
        assertThat(jobs).hasSize(1);
        Job job = jobs.getFirst();
        assertThat(job.getMetadata().getName()).isEqualTo(KubernetesJobExecutor.jobName(step))
                .startsWith("quiver-train-").hasSizeLessThanOrEqualTo(63);
        assertThat(job.getMetadata().getLabels()).containsEntry(KubernetesJobExecutor.RUN, step.runId())
                .containsEntry(KubernetesJobExecutor.ATTEMPT, "2");
        assertThat(job.getMetadata().getAnnotations()).containsEntry(KubernetesJobExecutor.INSTANCE, "train[1]");
        assertThat(job.getSpec().getBackoffLimit()).as("retries are the orchestrator's").isZero();
        assertThat(job.getSpec().getParallelism()).isEqualTo(2);
        assertThat(job.getSpec().getCompletionMode()).as("worker i is the pod of index i").isEqualTo("Indexed");
        assertThat(job.getSpec().getPodFailurePolicy().getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getAction()).as("an evicted worker is started again, not a failed Job").isEqualTo("Ignore");
            assertThat(rule.getOnPodConditions()).singleElement()
                    .satisfies(condition -> assertThat(condition.getType()).isEqualTo("DisruptionTarget"));
        });
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(7200);
        Container container = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getImage()).isEqualTo("registry.example/train:1.4");
        assertThat(container.getCommand()).containsExactly("python", "train.py");
        assertThat(container.getResources().getLimits()).containsEntry("cpu", new Quantity("2000m"))
                .containsEntry("memory", new Quantity(Long.toString(4L << 30)))
                .containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(container.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("QUIVER_PARAMS");
            assertThat(env.getValue()).contains("\"model\":\"forest\"");
        });
    }

    @Test
    void runningJobsHeartbeatAndEndedOnesAreReportedOnce() {
        StepDispatched step = step(Map.of("image", "registry.example/train:1.4"));
        executor.start(step);
        executor.poll();
        assertThat(reported).singleElement().isInstanceOf(StepHeartbeat.class);

        end(KubernetesJobExecutor.jobName(step), "Complete", null);
        executor.poll();
        executor.poll();
        assertThat(reported).hasSize(2).last().isInstanceOfSatisfying(StepCompleted.class, completed -> {
            assertThat(completed.instance()).isEqualTo("train[1]");
            assertThat(completed.attempt()).isEqualTo(2);
        });
    }

    @Test
    void aJobsEndIsReportedInTheTraceItsAttemptWasDispatchedIn() {
        StepDispatched step = step(Map.of("image", "registry.example/train:1.4"));
        Span dispatch = sdk.getTracer("test").spanBuilder("process dev.quiver.step.dispatched").startSpan();
        try (Scope ignored = dispatch.makeCurrent()) {
            executor.start(step);
        } finally {
            dispatch.end();
        }
        String traceparent = "00-" + dispatch.getSpanContext().getTraceId() + "-"
                + dispatch.getSpanContext().getSpanId() + "-01";
        assertThat(jobs().getFirst().getMetadata().getAnnotations()).as("kept with the Job, for a replica that "
                + "restarts meanwhile").containsEntry("quiver.dev/traceparent", traceparent);

        end(KubernetesJobExecutor.jobName(step), "Complete", null);
        executor.poll();

        SpanData report = spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals("process " + EventTypes.STEP_COMPLETED)).findFirst()
                .orElseThrow();
        assertThat(report.getTraceId()).isEqualTo(dispatch.getSpanContext().getTraceId());
        assertThat(report.getParentSpanId()).isEqualTo(dispatch.getSpanContext().getSpanId());
        assertThat(reportedIn).singleElement().as("the completion was reported inside that span")
                .satisfies(context -> assertThat(context.getSpanId()).isEqualTo(report.getSpanId()));
    }

    @Test
    void aContainerKilledForMemoryAndAJobPastItsDeadlineAreReportedSo() {
        StepDispatched hungry = step(Map.of("image", "registry.example/train:1.4"));
        executor.start(hungry);
        String name = KubernetesJobExecutor.jobName(hungry);
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(name + "-x7k2p")
                .addToLabels("job-name", name).endMetadata()
                .withNewStatus().addNewContainerStatus().withName("step").withNewState().withNewTerminated()
                .withReason("OOMKilled").withExitCode(137).endTerminated().endState().endContainerStatus()
                .endStatus().build()).create();
        end(name, "Failed", "BackoffLimitExceeded");

        StepDispatched slow = step(Map.of("image", "registry.example/train:1.4"));
        executor.start(slow);
        end(KubernetesJobExecutor.jobName(slow), "Failed", "DeadlineExceeded");
        executor.poll();

        assertThat(reported).filteredOn(StepFailed.class::isInstance).map(StepFailed.class::cast)
                .extracting(StepFailed::runId, StepFailed::errorClass, StepFailed::exitCode, StepFailed::killedForMemory)
                .containsExactlyInAnyOrder(
                        tuple(hungry.runId(), "OutOfMemory", 137, true),
                        tuple(slow.runId(), "DeadlineExceeded", null, false));
    }

    @Test
    void aSlowWorkerIsReplacedByEvictingItsPodAndNoOtherWorkersPod() {
        StepDispatched step = step(Map.of("image", "registry.example/train:1.4"));
        executor.start(step);
        String job = KubernetesJobExecutor.jobName(step);
        for (int index = 0; index < 3; index++) {
            worker(job, job + "-" + index + "-q8z" + index, index, "Running");
        }
        worker(job, job + "-2-old", 2, "Failed");
        // the mock server's CRUD mode keeps no Eviction subresource: the API server's answer to one it grants
        List<String> evicted = new CopyOnWriteArrayList<>();
        for (int index = 0; index < 3; index++) {
            String pod = job + "-" + index + "-q8z" + index;
            server.expect().post().withPath("/api/v1/namespaces/" + namespace + "/pods/" + pod + "/eviction")
                    .andReply(201, request -> {
                        evicted.add(pod);
                        return new EvictionBuilder().withNewMetadata().withName(pod).endMetadata().build();
                    }).always();
        }

        assertThat(executor.replaceWorker(step.runId(), step.instance(), step.attempt(), "worker-2", "slow"))
                .as("named by its completion index").contains(job + "-2-q8z2");
        assertThat(executor.replaceWorker(step.runId(), step.instance(), step.attempt(), job + "-0-q8z0", "slow"))
                .as("named by its pod").contains(job + "-0-q8z0");
        assertThat(evicted).containsExactly(job + "-2-q8z2", job + "-0-q8z0");
        client.pods().inNamespace(namespace).withName(job + "-0-q8z0").delete();
        client.pods().inNamespace(namespace).withName(job + "-2-q8z2").delete();

        assertThat(executor.replaceWorker(step.runId(), step.instance(), step.attempt(), "worker-7", "slow"))
                .as("no such worker").isEmpty();
        assertThat(executor.replaceWorker(step.runId(), step.instance(), step.attempt(), "1a", "slow"))
                .as("a name that is neither a pod nor an index").isEmpty();
        assertThat(executor.replaceWorker(step.runId(), step.instance(), step.attempt() + 1, "worker-1", "slow"))
                .as("another attempt's worker").isEmpty();
        assertThat(evicted).hasSize(2);
    }

    private void worker(String job, String pod, int index, String phase) {
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(pod)
                .addToLabels("job-name", job)
                .addToLabels(KubernetesJobExecutor.COMPLETION_INDEX, Integer.toString(index)).endMetadata()
                .withNewStatus().withPhase(phase).endStatus().build()).create();
    }

    @Test
    void withKueueAJobWaitsSuspendedInItsQueueAndRunsWhenKueueAdmitsIt() {
        KubernetesJobExecutor kueue = new KubernetesJobExecutor(client, reporterInto(reported), new ObjectMapper(),
                Clock.systemUTC(), EventTracing.off(), Optional.of(namespace), true, true);
        StepDispatched step = step(Map.of("image", "registry.example/train:1.4"));
        kueue.start(step);
        Job job = jobs().getFirst();
        assertThat(job.getSpec().getSuspend()).as("Kueue unsuspends it when it admits it").isTrue();
        assertThat(job.getMetadata().getLabels())
                .containsEntry("kueue.x-k8s.io/queue-name", "training")
                .containsEntry("kueue.x-k8s.io/priority-class", "high");
        kueue.poll();
        assertThat(reported).as("a Job waiting in Kueue's queue is not running").isEmpty();

        String name = KubernetesJobExecutor.jobName(step);
        suspend(name, false);
        kueue.poll();
        assertThat(reported).singleElement().isInstanceOf(StepHeartbeat.class);

        suspend(name, true);
        kueue.poll();
        kueue.poll();
        assertThat(reported).as("Kueue evicted it: reported once").hasSize(2).last()
                .isEqualTo("evicted train[1]#2");
        suspend(name, false);
        kueue.poll();
        assertThat(reported).hasSize(3).last().isInstanceOf(StepHeartbeat.class);

        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(name + "-q8w4c")
                .addToLabels("job-name", name).endMetadata()
                .withNewStatus().addNewContainerStatus().withName("step").withNewState().withNewTerminated()
                .withReason("OOMKilled").withExitCode(137).endTerminated().endState().endContainerStatus()
                .endStatus().build()).create();
        end(name, "Failed", "BackoffLimitExceeded");
        kueue.poll();
        assertThat(reported).hasSize(4).last().isInstanceOfSatisfying(StepFailed.class, failed -> {
            assertThat(failed.errorClass()).isEqualTo("OutOfMemory");
            assertThat(failed.killedForMemory()).isTrue();
            assertThat(failed.message()).contains("OOMKilled");
        });
    }

    @Test
    void withoutKueueAJobIsNeitherSuspendedNorLabelledForIt() {
        executor.start(step(Map.of("image", "registry.example/train:1.4")));
        Job job = jobs().getFirst();
        assertThat(job.getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
        assertThat(job.getMetadata().getLabels()).doesNotContainKey("kueue.x-k8s.io/queue-name");
    }

    @Test
    void aStoppedAttemptsJobIsDeletedAndOnlyItsOwn() {
        StepDispatched preempted = step(Map.of("image", "registry.example/train:1.4"));
        StepDispatched other = new StepDispatched(preempted.runId(), "model-selection", 2, "train", "train[0]", 2,
                "kubernetes-job", Map.of("image", "registry.example/train:1.4"), 2000, 4L << 30, 1, 2, 7200L,
                List.of(), "training", "high");
        executor.start(preempted);
        executor.start(other);
        assertThat(jobs()).hasSize(2);

        executor.stop(preempted.runId(), preempted.instance(), preempted.attempt(), "preempted by test");
        assertThat(jobs()).extracting(job -> job.getMetadata().getName())
                .containsExactly(KubernetesJobExecutor.jobName(other));
        executor.stop(preempted.runId(), preempted.instance(), preempted.attempt(), "preempted again");
        executor.poll();
        assertThat(reported).as("nothing is reported of a deleted Job").singleElement()
                .isInstanceOf(StepHeartbeat.class);
    }

    @Test
    void aStepWithoutAnImageIsRefused() {
        executor.start(step(Map.of("command", List.of("true"))));
        assertThat(reported).singleElement().isInstanceOfSatisfying(StepFailed.class, failed -> {
            assertThat(failed.errorClass()).isEqualTo("InvalidConfiguration");
            assertThat(failed.message()).startsWith("params.image: required");
        });
    }

    private static StepDispatched step(Map<String, Object> params) {
        return new StepDispatched(UUID.randomUUID().toString(), "model-selection", 2, "train", "train[1]", 2,
                "kubernetes-job", params, 2000, 4L << 30, 1, 2, 7200L, List.of(), "training", "high");
    }

    private List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    /** What Kueue does: unsuspends a Job it admits, suspends again one it evicts. */
    private void suspend(String name, boolean suspended) {
        client.batch().v1().jobs().inNamespace(namespace).withName(name).edit(job -> {
            job.getSpec().setSuspend(suspended);
            return job;
        });
    }

    private void end(String name, String type, String reason) {
        client.batch().v1().jobs().inNamespace(namespace).withName(name).edit(job -> {
            job.setStatus(new JobStatusBuilder().addToConditions(new JobConditionBuilder().withType(type)
                    .withStatus("True").withReason(reason).withMessage("ended").build()).build());
            return job;
        });
    }
}
