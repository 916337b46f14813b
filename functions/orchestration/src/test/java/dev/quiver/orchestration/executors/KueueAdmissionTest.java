package dev.quiver.orchestration.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With Kueue configured, {@code kubernetes-job} steps are admitted by Kueue and not by Quiver's pool: their Jobs are
 * created at once, suspended and labelled for the pool's queue and priority class, the step waits as queued (no
 * heartbeat timeout, no room of Quiver's pool held), and what Kueue does to the Job is read back: unsuspended, the
 * step runs; suspended again (evicted), it waits again; ended, it completes or fails (killed for memory as such). Against fabric8's mock API server, with the
 * embedded database.
 */
@EnableKubernetesMockClient(crud = true)
class KueueAdmissionTest {

    static KubernetesClient client;

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final String TRAIN = """
            pipeline: train
            version: 1
            priority: high
            steps:
              - name: train
                executor: kubernetes-job
                resources: {cpu: 1, memory: 1Gi}
                deadline: 1h
                params: {image: registry.example/train:1.4}
            """;

    private final String namespace = "ml-" + UUID.randomUUID().toString().substring(0, 8);
    private final DataSource database = EmbeddedDatabase.create("kueue");
    private Outbox outbox;
    private RunCoordinator coordinator;
    private KubernetesJobExecutor jobs;

    @BeforeEach
    void start() {
        Migrations.apply(database);
        Transactions transactions = new Transactions(database);
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
        coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(PipelineParser.parse("train.yaml",
                TRAIN))), outbox, RetryPolicies.configuredBy(Map.of()), JSON, CLOCK, new PoolStore(transactions,
                PoolFileReader.yaml("pool.yaml", """
                        queues:
                          training: {quota: {cpu: 1, memory: unlimited, gpu: unlimited}}
                          research: {quota: {cpu: 1, memory: unlimited, gpu: unlimited}}
                        work: {default-queue: training}
                        """), JSON), true);
        jobs = new KubernetesJobExecutor(client, new StepReports(coordinator, new EventCodec(CLOCK)), JSON, CLOCK,
                EventTracing.off(), Optional.of(namespace), true, true);
    }

    @Test
    void kueueAdmitsTheJobsAndTheirStepsFollowWhatItDoes() throws Exception {
        String first = request(Map.of());
        String second = request(Map.of("queue", "research"));
        List<StepDispatched> dispatched = deliver();
        assertThat(dispatched).as("both dispatched at once, though Quiver's queue holds one cpu: Kueue decides")
                .extracting(StepDispatched::runId, StepDispatched::queue, StepDispatched::priorityClass)
                .containsExactly(tuple(first, "training", "high"),
                        tuple(second, "research", "high"));
        assertThat(job(first).getSpec().getSuspend()).isTrue();
        assertThat(job(first).getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "training")
                .containsEntry("kueue.x-k8s.io/priority-class", "high");
        assertThat(job(second).getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "research");
        assertThat(count("select count(*) from pool_workloads")).as("Quiver's pool admits none of them").isZero();

        jobs.poll();
        coordinator.fireDue(CLOCK.instant().plusSeconds(7200), Duration.ofSeconds(1));
        assertThat(state(first)).as("waiting in Kueue's queue: no heartbeat or deadline runs out").isEqualTo("QUEUED");
        assertThat(state(second)).isEqualTo("QUEUED");

        admit(first);
        jobs.poll();
        assertThat(state(first)).as("Kueue admitted its Job").isEqualTo("RUNNING");
        assertThat(state(second)).isEqualTo("QUEUED");
        assertThat(count("select count(*) from timers where kind = 'deadline'")).as("its deadline runs from now")
                .isEqualTo(1);

        evict(first);
        jobs.poll();
        assertThat(state(first)).as("Kueue gave its room to other work: it waits again").isEqualTo("QUEUED");
        coordinator.fireDue(CLOCK.instant().plusSeconds(60), Duration.ofSeconds(1));
        assertThat(state(first)).as("no heartbeat timeout while it waits").isEqualTo("QUEUED");
        admit(first);
        jobs.poll();
        assertThat(state(first)).isEqualTo("RUNNING");
        assertThat(text("select count(*) from attempts where run_id = '" + first + "'")).as("the same attempt")
                .isEqualTo("1");

        String name = job(first).getMetadata().getName();
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(name + "-x7k2p")
                .addToLabels("job-name", name).endMetadata()
                .withNewStatus().addNewContainerStatus().withName("step").withNewState().withNewTerminated()
                .withReason("OOMKilled").withExitCode(137).endTerminated().endState().endContainerStatus()
                .endStatus().build()).create();
        end(first, "Failed", "BackoffLimitExceeded");
        admit(second);
        end(second, "Complete", null);
        jobs.poll();

        assertThat(text("select error_class || ' ' || killed_for_memory from attempts where run_id = '" + first
                + "'")).isEqualToIgnoringCase("OutOfMemory true");
        assertThat(state(first)).as("retried with more memory").isEqualTo("RETRY_WAIT");
        assertThat(text("select state from runs where id = '" + second + "'"))
                .as("a Job that ended between two polls completes its step all the same").isEqualTo("SUCCEEDED");
    }

    private String request(Map<String, Object> parameters) {
        return coordinator.requested("/quiver/tests", UUID.randomUUID().toString(), new RunRequested("train", null,
                parameters));
    }

    /** Starts the dispatched steps' Jobs, as the relay does. */
    private List<StepDispatched> deliver() throws Exception {
        List<StepDispatched> steps = new ArrayList<>();
        for (Outbox.Entry entry : outbox.claim("tests", CLOCK.instant().plusSeconds(60), 100)) {
            if (entry.type().equals(EventTypes.STEP_DISPATCHED)) {
                StepDispatched step = JSON.readValue(entry.data(), StepDispatched.class);
                steps.add(step);
                jobs.start(step);
            }
            outbox.markSent("tests", entry);
        }
        return steps;
    }

    private Job job(String run) {
        return client.batch().v1().jobs().inNamespace(namespace).withLabel(KubernetesJobExecutor.RUN, run).list()
                .getItems().getFirst();
    }

    /** What Kueue does when it admits a Job: unsuspends it. */
    private void admit(String run) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job(run).getMetadata().getName()).edit(job -> {
            job.getSpec().setSuspend(false);
            return job;
        });
    }

    /** What Kueue does when it preempts an admitted Job: suspends it again. */
    private void evict(String run) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job(run).getMetadata().getName()).edit(job -> {
            job.getSpec().setSuspend(true);
            return job;
        });
    }

    private void end(String run, String type, String reason) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job(run).getMetadata().getName()).edit(job -> {
            job.setStatus(new JobStatusBuilder().addToConditions(new JobConditionBuilder().withType(type)
                    .withStatus("True").withReason(reason).withMessage("ended").build()).build());
            return job;
        });
    }

    private String state(String run) throws SQLException {
        return text("select state from step_instances where run_id = '" + run + "'");
    }

    private int count(String sql) throws SQLException {
        return Integer.parseInt(text(sql));
    }

    private String text(String sql) throws SQLException {
        try (Connection connection = database.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rows = statement.executeQuery()) {
            return rows.next() ? rows.getString(1) : null;
        }
    }
}
