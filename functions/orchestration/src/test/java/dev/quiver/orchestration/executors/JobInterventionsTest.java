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
import dev.quiver.events.pipeline.StepAlert;
import dev.quiver.events.pipeline.StepCancelled;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
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
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the orchestration function does to a running {@code kubernetes-job} step's Job: an attempt it fails for running
 * out of time (its step's deadline, or no heartbeat for the heartbeat timeout) has its Job deleted, so a Job stuck
 * pending or hung holds no room in the cluster once its retry runs; a worker its heartbeats show far slower than its
 * peers has its pod evicted, for the Job to start that worker again. Against fabric8's mock API server, with the
 * embedded database.
 */
@EnableKubernetesMockClient(crud = true)
class JobInterventionsTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final String TRAIN = """
            pipeline: train
            version: 1
            steps:
              - name: train
                executor: kubernetes-job
                resources: {cpu: 1, memory: 1Gi, workers: 3}
                deadline: 1h
                retry: {max-attempts: 3}
                params: {image: registry.example/train:1.4}
            """;

    private final String namespace = "ml-" + UUID.randomUUID().toString().substring(0, 8);
    private final DataSource database = EmbeddedDatabase.create("timeouts");
    private Outbox outbox;
    private RunCoordinator coordinator;
    private KubernetesJobExecutor jobs;

    @BeforeEach
    void start() {
        Migrations.apply(database);
        Transactions transactions = new Transactions(database);
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
        coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(PipelineParser.parse("train.yaml",
                TRAIN))), outbox, RetryPolicies.configuredBy(Map.of()), JSON, CLOCK);
        jobs = new KubernetesJobExecutor(client, new StepReports(coordinator, new EventCodec(CLOCK)), JSON, CLOCK,
                EventTracing.off(), Optional.of(namespace), true, false);
    }

    @Test
    void aJobWhoseAttemptMissedItsHeartbeatsIsDeleted() throws Exception {
        String run = request();
        deliver();
        assertThat(jobsOf(run)).hasSize(1);

        coordinator.fireDue(CLOCK.instant().plusSeconds(30), Duration.ofSeconds(10));
        List<StepCancelled> stopped = deliver();

        assertThat(text("select error_class from attempts where run_id = '" + run + "' and attempt = 1"))
                .isEqualTo("HeartbeatTimeout");
        assertThat(stopped).extracting(StepCancelled::attempt, StepCancelled::requestedBy).containsExactly(
                tuple(1, "quiver"));
        assertThat(jobsOf(run)).as("the silent attempt's Job is gone").isEmpty();
    }

    @Test
    void aJobPastItsStepsDeadlineIsDeleted() throws Exception {
        String run = request();
        deliver();
        jobs.poll();
        assertThat(text("select state from step_instances where run_id = '" + run + "'")).isEqualTo("RUNNING");

        coordinator.fireDue(CLOCK.instant().plus(Duration.ofHours(1)).plusSeconds(5), Duration.ofHours(2));
        deliver();

        assertThat(text("select error_class from attempts where run_id = '" + run + "' and attempt = 1"))
                .isEqualTo("DeadlineExceeded");
        assertThat(jobsOf(run)).as("the Job past its deadline is gone").isEmpty();
    }

    @Test
    void aWorkerFarSlowerThanItsPeersHasItsPodEvictedOnce() throws Exception {
        String run = request();
        deliver();
        String job = jobsOf(run).getFirst().getMetadata().getName();
        List<String> evicted = new CopyOnWriteArrayList<>();
        for (int index = 0; index < 3; index++) {
            String pod = job + "-" + index + "-x" + index;
            client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(pod)
                    .addToLabels("job-name", job)
                    .addToLabels(KubernetesJobExecutor.COMPLETION_INDEX, Integer.toString(index)).endMetadata()
                    .withNewStatus().withPhase("Running").endStatus().build()).create();
            // the mock server's CRUD mode keeps no Eviction subresource: the API server's answer to one it grants
            server.expect().post().withPath("/api/v1/namespaces/" + namespace + "/pods/" + pod + "/eviction")
                    .andReply(201, request -> {
                        evicted.add(pod);
                        return new EvictionBuilder().withNewMetadata().withName(pod).endMetadata().build();
                    }).always();
        }
        StepReports reports = new StepReports(coordinator, new EventCodec(CLOCK));
        for (int beat = 0; beat < 2; beat++) {
            reports.heartbeat(new StepHeartbeat(run, "train", 1, CLOCK.instant(), null, null, null, null, null,
                    null, Map.of("worker-0", 120.0, "worker-1", 20.0, "worker-2", 118.0)));
            deliver();
        }

        assertThat(evicted).containsExactly(job + "-1-x1");
        assertThat(text("select state from step_instances where run_id = '" + run + "'")).as("the attempt runs on")
                .isEqualTo("RUNNING");
    }

    private String request() {
        return coordinator.requested("/quiver/tests", UUID.randomUUID().toString(), new RunRequested("train", null,
                Map.of()));
    }

    /** Starts the dispatched steps' Jobs, replaces slow workers and stops the cancelled steps, as the relay does. */
    private List<StepCancelled> deliver() throws Exception {
        List<StepCancelled> cancelled = new ArrayList<>();
        for (Outbox.Entry entry : outbox.claim("tests", CLOCK.instant().plusSeconds(60), 100)) {
            if (entry.type().equals(EventTypes.STEP_DISPATCHED)) {
                jobs.start(JSON.readValue(entry.data(), StepDispatched.class));
            } else if (entry.type().equals(EventTypes.STEP_ALERT_RAISED)) {
                StepAlert alert = JSON.readValue(entry.data(), StepAlert.class);
                jobs.replaceWorker(alert.runId(), alert.instance(), alert.attempt(), alert.worker(), alert.reason());
            } else if (entry.type().equals(EventTypes.STEP_CANCELLED)) {
                StepCancelled step = JSON.readValue(entry.data(), StepCancelled.class);
                cancelled.add(step);
                jobs.stop(step.runId(), step.instance(), step.attempt(), "cancelled by " + step.requestedBy());
            }
            outbox.markSent("tests", entry);
        }
        return cancelled;
    }

    private List<Job> jobsOf(String run) {
        return client.batch().v1().jobs().inNamespace(namespace).withLabel(KubernetesJobExecutor.RUN, run).list()
                .getItems();
    }

    private String text(String sql) throws SQLException {
        try (Connection connection = database.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rows = statement.executeQuery()) {
            return rows.next() ? rows.getString(1) : null;
        }
    }
}
