package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.memo.MemoDryRun;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineFiles;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.StatementLog;
import dev.quiver.orchestration.store.Statements;
import dev.quiver.orchestration.store.StoreRefusedException;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.SettableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the coordinator does with a run's events, against a real database with the real schema: the example pipeline
 * from request to completion, redeliveries and stale reports, refusals, failures, and events of many runs handled
 * together (their reads and writes made once for their group) leaving each run as handling them one at a time does.
 * Run on PostgreSQL and on the embedded database.
 */
abstract class RunCoordinatorContract {

    static final String EXECUTOR = "/quiver/executors/test";
    static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    RunCoordinator coordinator;
    Outbox outbox;
    Transactions transactions;
    StepSamples samples;
    final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));

    abstract DataSource dataSource();

    /** The schema the migrations create their tables in. */
    abstract String schema();

    @BeforeEach
    void migrate() {
        Migrations.apply(dataSource(), schema());
        transactions = new Transactions(dataSource());
        outbox = new Outbox(transactions, new EventCodec(clock), clock);
        coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(PipelineFiles.modelSelection(),
                PipelineFiles.retries())), outbox,
                RetryPolicies.configuredBy(Map.of()), JSON, clock);
        samples = new StepSamples(transactions);
    }

    @Test
    void aRunGoesFromItsRequestToItsCompletionThroughItsEvents() throws Exception {
        String run = request("request-" + UUID.randomUUID());
        List<JsonNode> first = sent(run);
        assertThat(first).hasSize(1);
        JsonNode ingest = first.getFirst();
        assertThat(ingest.get("type").asText()).isEqualTo(EventTypes.STEP_DISPATCHED);
        assertThat(ingest.at("/data/instance").asText()).isEqualTo("ingest");
        assertThat(ingest.at("/data/attempt").asInt()).isEqualTo(1);
        assertThat(ingest.at("/data/pipelineVersion").asInt()).isEqualTo(2);
        assertThat(ingest.at("/data/cpuMillis").asLong()).isEqualTo(500);
        assertThat(ingest.at("/data/params/dataset").asText()).isEqualTo("s3://data/churn.csv");

        complete(run, "ingest", 1);
        List<JsonNode> trainings = sent(run);
        assertThat(trainings).extracting(event -> event.at("/data/instance").asText())
                .containsExactly("train[0]", "train[1]", "train[2]");
        assertThat(trainings.get(2).at("/data/params/model").asText()).isEqualTo("boosted");
        assertThat(trainings.get(2).at("/data/params/epochs").asInt()).as("the item wins over the step").isEqualTo(40);
        assertThat(trainings.get(0).at("/data/params/epochs").asInt()).isEqualTo(20);
        assertThat(trainings.get(0).at("/data/gpus").asInt()).isEqualTo(1);
        assertThat(trainings.get(0).at("/data/deadlineSeconds").asLong()).isEqualTo(7200);
        assertThat(trainings.get(0).at("/data/inputs/0/instance").asText()).isEqualTo("ingest");
        assertThat(trainings.get(0).at("/data/inputs/0/uri").asText()).isEqualTo("s3://models/ingest.onnx");
        assertThat(trainings.get(0).at("/data/inputs/0/digest").asText()).isEqualTo("sha256:" + "0f".repeat(32));

        complete(run, "train[0]", 1);
        assertThat(sent(run)).isEmpty();
        complete(run, "train[2]", 1);
        assertThat(instances(sent(run))).containsExactly("select#1");
        complete(run, "select", 1);
        assertThat(instances(sent(run))).containsExactly("serve#1");
        complete(run, "serve", 1);
        assertThat(sent(run)).isEmpty();

        complete(run, "train[1]", 1);
        assertThat(instances(sent(run))).containsExactly("select#2", "report#1");
        complete(run, "select", 1);
        assertThat(sent(run)).as("a report of the attempt that was replaced changes nothing").isEmpty();
        complete(run, "select", 2);
        assertThat(instances(sent(run))).containsExactly("serve#2");
        complete(run, "serve", 2);
        complete(run, "report", 1);
        List<JsonNode> finished = sent(run);
        assertThat(finished).hasSize(1);
        assertThat(finished.getFirst().get("type").asText()).isEqualTo(EventTypes.PIPELINE_RUN_COMPLETED);
        assertThat(finished.getFirst().at("/data/outcome").asText()).isEqualTo("succeeded");
        assertThat(finished.getFirst().at("/data/steps/train[1]").asText()).isEqualTo("SUCCEEDED");
        assertThat(runState(run)).isEqualTo("SUCCEEDED");
        assertThat(count("select count(*) from attempts where run_id = '" + run + "'")).isEqualTo(9);
        assertThat(count("select count(*) from artifacts where run_id = '" + run + "'")).isEqualTo(9);
    }

    @Test
    void redeliveredEventsChangeNothing() throws Exception {
        String requestId = "request-" + UUID.randomUUID();
        String run = request(requestId);
        assertThat(request(requestId)).isEqualTo(run);
        assertThat(sent(run)).hasSize(1);
        String completion = UUID.randomUUID().toString();
        coordinator.completed(EXECUTOR, completion, completion(run, "ingest", 1));
        coordinator.completed(EXECUTOR, completion, completion(run, "ingest", 1));
        assertThat(sent(run)).hasSize(3);
        assertThat(count("select count(*) from runs where id = '" + run + "'")).isEqualTo(1);

        String failure = UUID.randomUUID().toString();
        StepFailed failed = new StepFailed(run, "train[0]", 1, "NetworkError", null, false, "connection reset");
        coordinator.failed(EXECUTOR, failure, failed);
        coordinator.failed(EXECUTOR, failure, failed);
        assertThat(failures(run)).containsExactly("train[0]:NetworkError");
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(count("select count(*) from processed_events where id = '" + failure + "'")).isEqualTo(1);
    }

    @Test
    void failuresThatPutTheQuorumOutOfReachFailTheRun() throws Exception {
        String run = request("request-" + UUID.randomUUID());
        complete(run, "ingest", 1);
        fail(run, "train[0]", 1);
        fail(run, "train[1]", 1);
        complete(run, "train[2]", 1);
        List<JsonNode> events = sent(run);
        assertThat(events).extracting(event -> event.get("type").asText()).as("one attempt each: given up, alerted")
                .containsExactly(EventTypes.STEP_DISPATCHED, EventTypes.STEP_DISPATCHED, EventTypes.STEP_DISPATCHED,
                        EventTypes.STEP_DISPATCHED, EventTypes.STEP_RETRY_DECIDED, EventTypes.STEP_ALERT_RAISED,
                        EventTypes.STEP_RETRY_DECIDED, EventTypes.STEP_ALERT_RAISED, EventTypes.STEP_DISPATCHED);
        assertThat(events.get(4).at("/data/action").asText()).isEqualTo("GIVE_UP");
        assertThat(instances(events.subList(8, 9))).containsExactly("report#1");
        complete(run, "report", 1);
        JsonNode finished = sent(run).getFirst();
        assertThat(finished.get("type").asText()).isEqualTo(EventTypes.PIPELINE_RUN_FAILED);
        assertThat(finished.at("/data/steps/select").asText()).isEqualTo("UPSTREAM_FAILED");
        assertThat(finished.at("/data/steps/serve").asText()).isEqualTo("UPSTREAM_FAILED");
        assertThat(runState(run)).isEqualTo("FAILED");
        assertThat(count("select count(*) from attempts where run_id = '" + run + "' and killed_for_memory"))
                .isEqualTo(2);
    }

    @Test
    void heartbeatsBecomeTimeSeriesOfTheirAttempt() throws Exception {
        String run = request("request-" + UUID.randomUUID());
        complete(run, "ingest", 1);
        Instant start = clock.instant();
        String first = UUID.randomUUID().toString();
        coordinator.heartbeat(EXECUTOR, first, new StepHeartbeat(run, "train[0]", 1, start.plusSeconds(30), 10.0,
                23L << 20, 256L << 20, Map.of("epoch", 1.0, "accuracy", 0.30), Map.of("training-set", true)));
        coordinator.heartbeat(EXECUTOR, first, new StepHeartbeat(run, "train[0]", 1, start.plusSeconds(30), 10.0,
                23L << 20, 256L << 20, Map.of("epoch", 1.0, "accuracy", 0.30), Map.of("training-set", true)));
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train[0]", 1,
                start.plusSeconds(60), 12.0, 200L << 20, 256L << 20, Map.of("epoch", 2.0, "accuracy", 0.27), null));
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train[0]", 2,
                start.plusSeconds(90), 50.0, null, null, null, null));

        assertThat(samples.series(run, "train[0]", 1, "memory_bytes")).extracting(StepSamples.Sample::value)
                .containsExactly((double) (23L << 20), (double) (200L << 20));
        assertThat(samples.series(run, "train[0]", 1, "metric.accuracy")).extracting(StepSamples.Sample::at)
                .containsExactly(start.plusSeconds(30), start.plusSeconds(60));
        assertThat(samples.series(run, "train[0]", 1, "progress_percent")).hasSize(2);
        assertThat(samples.names(run, "train[0]", 1)).containsExactly("data.training-set", "memory_bytes",
                "memory_limit_bytes", "metric.accuracy", "metric.epoch", "progress_percent");
        assertThat(count("select count(*) from step_instances where run_id = '" + run
                + "' and instance = 'train[0]' and state = 'RUNNING'")).isEqualTo(1);
    }

    @Test
    void deadlinesAndSilentExecutorsFailTheirAttempts() throws Exception {
        String run = request("request-" + UUID.randomUUID());
        complete(run, "ingest", 1);
        clock.advance(Duration.ofMinutes(5));
        for (String training : List.of("train[0]", "train[1]")) {
            coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, training, 1,
                    clock.instant(), 5.0, null, null, null, null));
        }
        clock.advance(Duration.ofMinutes(7));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(failures(run)).as("train[2] never heartbeat").containsExactly("train[2]:HeartbeatTimeout");

        clock.advance(Duration.ofMinutes(97));
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train[0]", 1,
                clock.instant(), 90.0, null, null, null, null));
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train[1]", 1,
                clock.instant(), 90.0, null, null, null, null));
        clock.advance(Duration.ofMinutes(9));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(failures(run)).as("118 minutes in, before the 2 h deadline").hasSize(1);
        clock.advance(Duration.ofMinutes(3));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(failures(run)).as("a timer fires once").containsExactlyInAnyOrder("train[0]:DeadlineExceeded",
                "train[1]:DeadlineExceeded", "train[2]:HeartbeatTimeout");
        assertThat(instances(sent(run))).contains("report#1");
    }

    @Test
    void aMemorySpikeThenAKillRetriesWithMoreMemoryAfterTheBackoff() throws Exception {
        String run = retriesRun();
        Instant start = clock.instant();
        long[] mebibytes = {23, 24, 23, 200};
        for (int i = 0; i < mebibytes.length; i++) {
            beat(new StepHeartbeat(run, "train", 1, start.plusSeconds(10L * (i + 1)), 10.0 * i,
                    mebibytes[i] << 20, 256L << 20, null, null));
        }
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", 1, "OutOfMemory", 137,
                true, "killed at 250 MiB"));

        JsonNode decided = decided(sent(run));
        assertThat(decided.at("/data/action").asText()).isEqualTo("RETRY_WITH_RESOURCES");
        assertThat(decided.at("/data/memoryBytes").asLong()).isEqualTo(512L << 20);
        Instant next = Instant.parse(decided.at("/data/nextAttemptAt").asText());
        assertThat(next).isBetween(clock.instant(), clock.instant().plusSeconds(10));
        assertThat(stateOf(run, "train")).isEqualTo("RETRY_WAIT");

        coordinator.fireDue(next.minusMillis(1), Duration.ofMinutes(10));
        assertThat(sent(run)).as("nothing before the backoff is over").isEmpty();
        clock.advance(Duration.between(clock.instant(), next));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        List<JsonNode> again = sent(run);
        assertThat(instances(again)).containsExactly("train#2");
        assertThat(again.getFirst().at("/data/memoryBytes").asLong()).isEqualTo(512L << 20);
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, "train", 2));
        assertThat(stateOf(run, "train")).isEqualTo("SUCCEEDED");
        assertThat(instances(sent(run))).containsExactly("select#1");
    }

    @Test
    void lostTrainingDataRunsTheIngestionAgainThenTheTraining() throws Exception {
        String run = retriesRun();
        Path data = Files.createTempFile("quiver-training-data", ".csv");
        Files.writeString(data, "1,2,3\n");
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), new StepCompleted(run, "ingest", 1, Map.of(),
                Map.of("records", 1.0), List.of(new StepCompleted.Artifact("dataset", data.toUri().toString(),
                null))));
        sent(run);
        Files.delete(data);
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train", 1,
                clock.instant(), 5.0, null, null, null, Map.of("training-set", false)));
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", 1, "DataLost", 1,
                false, "the training set held in memory was lost"));

        List<JsonNode> events = sent(run);
        JsonNode decided = decided(events);
        assertThat(decided.at("/data/action").asText()).isEqualTo("RERUN_UPSTREAM");
        assertThat(decided.at("/data/upstream").asText()).isEqualTo("ingest");
        assertThat(instances(dispatched(events))).as("not reused from the memo: its data is gone")
                .containsExactly("ingest#2");
        assertThat(stateOf(run, "train")).isEqualTo("PENDING");

        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, "ingest", 2));
        assertThat(instances(dispatched(sent(run)))).containsExactly("train#2");
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, "train", 2));
        assertThat(stateOf(run, "train")).isEqualTo("SUCCEEDED");
    }

    @Test
    void aFallingAccuracyBelowTheSelectionBarIsAbandonedAndAConvergedOneAccepted() throws Exception {
        String falling = retriesRun();
        double[] accuracy = {0.28, 0.30, 0.29, 0.28, 0.27};
        for (int epoch = 0; epoch < accuracy.length; epoch++) {
            beat(new StepHeartbeat(falling, "train", 1, clock.instant().plusSeconds(epoch + 1), null,
                    null, null, Map.of("epoch", epoch + 1.0, "accuracy", accuracy[epoch]), null));
        }
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(falling, "train", 1, "NetworkError",
                null, false, "connection reset"));
        List<JsonNode> events = sent(falling);
        JsonNode decided = decided(events);
        assertThat(decided.at("/data/action").asText()).isEqualTo("ABANDON");
        assertThat(decided.at("/data/reasons/0").asText()).contains("0.27", "0.9", "select");
        assertThat(dispatched(events)).as("no retry").isEmpty();
        assertThat(stateOf(falling, "train")).isEqualTo("FAILED");
        assertThat(runState(falling)).isEqualTo("FAILED");

        String converged = retriesRun();
        double[] good = {0.91, 0.95, 0.951, 0.95};
        for (int epoch = 0; epoch < good.length; epoch++) {
            beat(new StepHeartbeat(converged, "train", 1, clock.instant().plusSeconds(epoch + 1), null,
                    null, null, Map.of("epoch", epoch + 1.0, "accuracy", good[epoch]), null));
        }
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(converged, "train", 1,
                "DeadlineExceeded", null, false, "killed after its deadline", List.of(new StepCompleted.Artifact(
                "model", "s3://models/train-epoch-4.onnx", null))));
        events = sent(converged);
        assertThat(decided(events).at("/data/action").asText()).isEqualTo("ACCEPT_PARTIAL");
        assertThat(stateOf(converged, "train")).isEqualTo("SUCCEEDED");
        assertThat(instances(dispatched(events))).containsExactly("select#1");
        assertThat(count("select count(*) from artifacts where run_id = '" + converged + "' and instance = 'train' "
                + "and uri = 's3://models/train-epoch-4.onnx'")).isEqualTo(1);
    }

    @Test
    void progressTooSlowForTheDeadlineIsAbandoned() throws Exception {
        String run = retriesRun();
        clock.advance(Duration.ofMinutes(1));
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train", 1,
                clock.instant(), 1.0, null, null, null, null));
        clock.advance(Duration.ofMinutes(30));
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train", 1,
                clock.instant(), 2.0, null, null, null, null));
        clock.advance(Duration.ofMinutes(1));
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", 1, "Preempted", 143,
                false, "the node was reclaimed"));

        List<JsonNode> events = sent(run);
        assertThat(decided(events).at("/data/action").asText()).isEqualTo("ABANDON");
        assertThat(decided(events).at("/data/reasons/0").asText()).contains("deadline");
        assertThat(dispatched(events)).isEmpty();
    }

    @Test
    void aNetworkLossIsRetriedAfterAJitteredBackoffAndARedeliveredFailureDecidesOnce() throws Exception {
        String run = retriesRun();
        StepFailed lost = new StepFailed(run, "train", 1, "NetworkError", null, false, "connection reset by peer");
        String id = UUID.randomUUID().toString();
        coordinator.failed(EXECUTOR, id, lost);
        coordinator.failed(EXECUTOR, id, lost);
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), lost);

        List<JsonNode> events = sent(run);
        assertThat(events).filteredOn(event -> event.get("type").asText().equals(EventTypes.STEP_RETRY_DECIDED))
                .hasSize(1);
        JsonNode decided = decided(events);
        assertThat(decided.at("/data/action").asText()).isEqualTo("RETRY");
        assertThat(Instant.parse(decided.at("/data/nextAttemptAt").asText()))
                .as("full jitter within the first delay of 10 s").isBetween(clock.instant(),
                        clock.instant().plusSeconds(10));
        assertThat(count("select count(*) from retry_decisions where run_id = '" + run + "'")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(10));
        RunCoordinator restarted = new RunCoordinator(transactions, Pipelines.of(List.of(
                PipelineFiles.modelSelection(), PipelineFiles.retries())), outbox,
                RetryPolicies.configuredBy(Map.of()), JSON, clock);
        assertThat(restarted.fireDue(clock.instant(), Duration.ofMinutes(10))).isEqualTo(1);
        assertThat(restarted.fireDue(clock.instant(), Duration.ofMinutes(10))).as("a timer fires once").isZero();
        assertThat(instances(sent(run))).as("the pending retry survived a restart").containsExactly("train#2");
    }

    @Test
    void aRetryAfterAHeartbeatTimeoutHasAHeartbeatWindowOfItsOwn() throws Exception {
        String run = retriesRun();
        beat(new StepHeartbeat(run, "train", 1, clock.instant(), 10.0, null, null, null, null));
        clock.advance(Duration.ofMinutes(11));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(failures(run)).containsExactly("train:HeartbeatTimeout");
        JsonNode decided = decided(sent(run));
        assertThat(decided.at("/data/action").asText()).isEqualTo("RETRY");

        clock.advance(Duration.between(clock.instant(), Instant.parse(decided.at("/data/nextAttemptAt").asText())));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(instances(sent(run))).containsExactly("train#2");
        clock.advance(Duration.ofSeconds(1));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(failures(run)).as("the retry's window starts at its dispatch").hasSize(1);
        assertThat(stateOf(run, "train")).isEqualTo("DISPATCHED");
        clock.advance(Duration.ofMinutes(10));
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(failures(run)).as("a silent retry still times out").hasSize(2);
    }

    @Test
    void anAttemptStoppedWithTheFunctionUsesUpNoRetry() throws Exception {
        String run = retriesRun();
        coordinator.interrupted(run, "train", 1, "the function stopped");
        coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        assertThat(instances(sent(run))).as("the interrupted attempt runs again at once").endsWith("train#2");

        // max-attempts 4: with the interruption counted, the failure of attempt 4 would give up
        List<String> classes = List.of("NetworkError", "ConnectionRefused", "UpstreamTimeout");
        for (int attempt = 2; attempt <= 4; attempt++) {
            coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", attempt,
                    classes.get(attempt - 2), null, false, "lost"));
            JsonNode decided = decided(sent(run));
            assertThat(decided.at("/data/action").asText()).as("attempt %d", attempt).isEqualTo("RETRY");
            clock.advance(Duration.between(clock.instant(), Instant.parse(decided.at("/data/nextAttemptAt")
                    .asText())));
            coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
        }
        assertThat(instances(sent(run))).endsWith("train#5");
    }

    @Test
    void anOutOfMemoryCrashGetsMoreMemoryUpToItsCeilingThenStopsAndAlerts() throws Exception {
        String run = retriesRun();
        JsonNode last = null;
        for (int attempt = 1; last == null || !last.at("/data/action").asText().equals("GIVE_UP"); attempt++) {
            assertThat(attempt).as("retries must stop").isLessThanOrEqualTo(4);
            coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), new StepHeartbeat(run, "train", attempt,
                    clock.instant(), 12.0, 250L << 20, null, null, null));
            coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", attempt,
                    "OutOfMemory", 137, true, "killed"));
            List<JsonNode> events = sent(run);
            last = decided(events);
            if (!last.at("/data/action").asText().equals("GIVE_UP")) {
                clock.advance(Duration.ofMinutes(10));
                coordinator.fireDue(clock.instant(), Duration.ofMinutes(10));
                assertThat(instances(sent(run))).containsExactly("train#" + (attempt + 1));
            } else {
                assertThat(events).extracting(event -> event.get("type").asText())
                        .contains(EventTypes.STEP_ALERT_RAISED);
            }
        }
        // 256 MiB, 512 MiB, then the ceiling of 1 GiB: crashes under a limit that grew are no repeats of each other
        assertThat(last.at("/data/attempt").asInt()).isEqualTo(3);
        assertThat(last.at("/data/reasons/0").asText()).contains("its limit has reached the ceiling of");
        assertThat(stateOf(run, "train")).isEqualTo("FAILED");
        assertThat(runState(run)).isEqualTo("FAILED");
    }

    @Test
    void aSpentRetryBudgetGivesUp() throws Exception {
        RunCoordinator frugal = new RunCoordinator(transactions, Pipelines.of(List.of(PipelineFiles.retries())),
                outbox, RetryPolicies.configuredBy(Map.of("quiver.orchestration.retry.budget.tenant", "1")), JSON,
                clock);
        String tenant = "tenant-" + UUID.randomUUID();
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String run = frugal.requested("/quiver/tests", "request-" + UUID.randomUUID(), new RunRequested("retries",
                    null, Map.of("tenant", tenant)));
            frugal.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, "ingest", 1));
            frugal.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", 1, "NetworkError",
                    null, false, "connection reset"));
            runs.add(run);
        }
        assertThat(decided(sent(runs.get(0))).at("/data/action").asText()).isEqualTo("RETRY");
        JsonNode second = decided(sent(runs.get(1)));
        assertThat(second.at("/data/action").asText()).isEqualTo("GIVE_UP");
        assertThat(second.at("/data/reasons/0").asText()).contains(tenant);
    }

    private String retriesRun() throws Exception {
        String run = coordinator.requested("/quiver/tests", "request-" + UUID.randomUUID(),
                new RunRequested("retries", null, Map.of("tag", UUID.randomUUID().toString())));
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, "ingest", 1));
        assertThat(instances(sent(run))).endsWith("train#1");
        return run;
    }

    private void beat(StepHeartbeat heartbeat) {
        coordinator.heartbeat(EXECUTOR, UUID.randomUUID().toString(), heartbeat);
    }

    private static JsonNode decided(List<JsonNode> events) {
        return events.stream().filter(event -> event.get("type").asText().equals(EventTypes.STEP_RETRY_DECIDED))
                .reduce((first, second) -> second).orElseThrow(() -> new AssertionError("no retry decision in "
                        + events));
    }

    private static List<JsonNode> dispatched(List<JsonNode> events) {
        return events.stream().filter(event -> event.get("type").asText().equals(EventTypes.STEP_DISPATCHED))
                .toList();
    }

    private String stateOf(String run, String instance) throws SQLException {
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select state from step_instances where run_id = ? "
                     + "and instance = ?")) {
            select.setString(1, run);
            select.setString(2, instance);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    /** The run's failed attempts as {@code instance:errorClass}. */
    List<String> failures(String run) throws SQLException {
        List<String> failures = new ArrayList<>();
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select instance, error_class from attempts "
                     + "where run_id = ? and state = 'FAILED' order by instance")) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    failures.add(rows.getString(1) + ":" + rows.getString(2));
                }
            }
        }
        return failures;
    }

    @Test
    void aFreshMemoizedResultStandsInForItsStepAndAStaleOneDoesNot() throws Exception {
        String tag = "memo-" + UUID.randomUUID();
        String first = request("request-" + UUID.randomUUID(), tag);
        assertThat(instances(sent(first))).containsExactly("ingest#1");
        complete(first, "ingest", 1);
        sent(first);

        clock.advance(Duration.ofDays(13));
        String second = request("request-" + UUID.randomUUID(), tag);
        List<JsonNode> events = sent(second);
        assertThat(events.getFirst().get("type").asText()).isEqualTo(EventTypes.STEP_SKIPPED);
        assertThat(events.getFirst().at("/data/reason").asText())
                .startsWith("memoized: reusing the result of run " + first + " ingest attempt 1");
        assertThat(instances(events.subList(1, events.size()))).as("the trainings start at once")
                .containsExactly("train[0]#1", "train[1]#1", "train[2]#1");
        assertThat(count("select count(*) from artifacts where run_id = '" + second + "' and instance = 'ingest'"))
                .as("the reused result's artifacts").isEqualTo(1);
        assertThat(count("select hits from memo_entries where run_id = '" + first + "'")).isEqualTo(1);

        clock.advance(Duration.ofDays(2));
        String third = request("request-" + UUID.randomUUID(), tag);
        assertThat(instances(sent(third))).as("15 days old, more than max-age 14d").containsExactly("ingest#1");
        assertThat(count("select count(*) from step_instances where run_id = '" + third
                + "' and reason like '%more than max-age%'")).isEqualTo(1);
        assertThat(coordinator.collectMemoized(clock.instant(), Duration.ofDays(30), Duration.ofDays(1)))
                .as("the entry was last used 2 days ago").isGreaterThanOrEqualTo(1);
    }

    @Test
    void anIdenticalStepOfAnotherRunWaitsForTheRunningOnesResult() throws Exception {
        String tag = "wait-" + UUID.randomUUID();
        String first = request("request-" + UUID.randomUUID(), tag);
        assertThat(instances(sent(first))).containsExactly("ingest#1");
        String second = request("request-" + UUID.randomUUID(), tag);
        assertThat(sent(second)).as("the identical ingest of the first run is running").isEmpty();
        assertThat(count("select count(*) from step_instances where run_id = '" + second
                + "' and instance = 'ingest' and state = 'WAITING'")).isEqualTo(1);
        coordinator.resumeWaiting(clock.instant());
        assertThat(sent(second)).as("nothing to resume while the first runs").isEmpty();

        complete(first, "ingest", 1);
        sent(first);
        coordinator.resumeWaiting(clock.instant());
        List<JsonNode> events = sent(second);
        assertThat(events.getFirst().get("type").asText()).isEqualTo(EventTypes.STEP_SKIPPED);
        assertThat(events.getFirst().at("/data/reason").asText()).startsWith("memoized: reusing the result of run "
                + first);
        assertThat(instances(events.subList(1, events.size())))
                .containsExactly("train[0]#1", "train[1]#1", "train[2]#1");

        String third = request("request-" + UUID.randomUUID(), tag + "-other");
        String fourth = request("request-" + UUID.randomUUID(), tag + "-other");
        sent(third);
        assertThat(sent(fourth)).isEmpty();
        fail(third, "ingest", 1);
        coordinator.resumeWaiting(clock.instant());
        assertThat(instances(sent(fourth))).as("the step it waited for failed: it runs itself")
                .containsExactly("ingest#1");
    }

    @Test
    void handledEventsAndSentEventsAreForgottenAfterTheirRetention() throws Exception {
        String requestId = "request-" + UUID.randomUUID();
        String run = request(requestId);
        sent(run);
        coordinator.completed(EXECUTOR, "completion-" + run, completion(run, "ingest", 1));
        assertThat(count("select count(*) from processed_events where id = 'completion-" + run + "'")).isEqualTo(1);

        clock.advance(Duration.ofDays(6));
        coordinator.forgetHandledEvents(clock.instant(), Duration.ofDays(7));
        assertThat(count("select count(*) from processed_events where id = 'completion-" + run + "'")).isEqualTo(1);
        clock.advance(Duration.ofDays(2));
        coordinator.forgetHandledEvents(clock.instant(), Duration.ofDays(7));
        outbox.forgetSent(clock.instant().minus(Duration.ofDays(7)));
        assertThat(count("select count(*) from processed_events where id = 'completion-" + run + "'")).isZero();
        assertThat(count("select count(*) from outbox where run_id = '" + run + "' and sent_at is not null"))
                .as("sent 8 days ago").isZero();
        assertThat(count("select count(*) from outbox where run_id = '" + run + "' and sent_at is null"))
                .as("the trainings' dispatches were not sent: they stay").isEqualTo(3);
    }

    @Test
    void aDryRunTellsWhichStepsWouldReuseResultsAndWhy() {
        String tag = "dry-" + UUID.randomUUID();
        MemoDryRun dryRun = new MemoDryRun(transactions, clock);
        PipelineGraph graph = PipelineGraph.of(PipelineFiles.modelSelection());
        Map<String, Object> parameters = Map.of("dataset", "s3://data/churn.csv", "tag", tag);
        assertThat(dryRun.explain(graph, parameters).getFirst())
                .isEqualTo(new MemoDryRun.Prediction("ingest", "ingest", false,
                        "runs: no earlier result with the same definition, parameters and inputs"));

        String run = request("request-" + UUID.randomUUID(), tag);
        complete(run, "ingest", 1);
        List<MemoDryRun.Prediction> predictions = dryRun.explain(graph, parameters);
        assertThat(predictions.getFirst().reuse()).isTrue();
        assertThat(predictions.getFirst().reason()).startsWith("memoized: reusing the result of run " + run);
        assertThat(predictions.get(1).reason()).isEqualTo("runs: the step does not memoize");
        assertThat(dryRun.explain(graph, Map.of("dataset", "s3://data/other.csv", "tag", tag)).getFirst().reuse())
                .as("other parameters, another key").isFalse();
    }

    @Test
    void eventsThatCanNeverBeActedOnAreRefused() {
        assertThatThrownBy(() -> coordinator.requested(EXECUTOR, "r-" + UUID.randomUUID(),
                new RunRequested("churn", null, Map.of())))
                .isInstanceOf(RunRefusedException.class)
                .hasMessage("pipeline: no pipeline \"churn\" is registered; registered: model-selection, retries");
        assertThatThrownBy(() -> coordinator.requested(EXECUTOR, "r-" + UUID.randomUUID(),
                new RunRequested("model-selection", 7, Map.of())))
                .hasMessage("version: pipeline \"model-selection\" has no version 7; registered versions: [2]");
        assertThatThrownBy(() -> coordinator.completed(EXECUTOR, UUID.randomUUID().toString(),
                completion("no-such-run", "ingest", 1)))
                .isInstanceOf(RunRefusedException.class).hasMessage("runId: no run no-such-run");
        String run = request("request-" + UUID.randomUUID());
        assertThatThrownBy(() -> coordinator.completed(EXECUTOR, UUID.randomUUID().toString(),
                completion(run, "tune", 1)))
                .hasMessage("instance: run " + run + " of model-selection has no step instance tune");
    }

    @Test
    void whatTheStoreCanNeverHoldIsARefusalNotAnOutageAndChangesNothing() throws Exception {
        String run = retriesRun();
        assertThatThrownBy(() -> coordinator.failed(EXECUTOR, "i".repeat(201), new StepFailed(run, "train", 1,
                "NetworkError", null, false, "connection reset")))
                .isInstanceOf(StoreRefusedException.class).hasMessageContaining("SQLState 22001");
        assertThatThrownBy(() -> coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run,
                "train", 1, "E".repeat(201), null, false, "connection reset")))
                .isInstanceOf(StoreRefusedException.class).hasMessageContaining("SQLState 22001");
        assertThatThrownBy(() -> coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), new StepCompleted(run,
                "train", 1, Map.of(), Map.of(), List.of(new StepCompleted.Artifact("model", "s3://models/a", null),
                new StepCompleted.Artifact("model", "s3://models/b", null)))))
                .isInstanceOf(StoreRefusedException.class).hasMessageContaining("SQLState 23505");
        assertThat(sent(run)).as("nothing was decided").isEmpty();
        assertThat(stateOf(run, "train")).isEqualTo("DISPATCHED");

        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, "train", 1));
        assertThat(stateOf(run, "train")).isEqualTo("SUCCEEDED");
    }

    @Test
    void anInputWhoseContentNoLongerMatchesItsDigestIsReportedCorruptNotGone() throws Exception {
        String run = coordinator.requested("/quiver/tests", "request-" + UUID.randomUUID(),
                new RunRequested("retries", null, Map.of("tag", UUID.randomUUID().toString())));
        Path data = Files.createTempFile("quiver-training-data", ".csv");
        Files.writeString(data, "1,2,3\n");
        String digest = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest
                .getInstance("SHA-256").digest(Files.readAllBytes(data)));
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), new StepCompleted(run, "ingest", 1, Map.of(),
                Map.of("records", 1.0), List.of(new StepCompleted.Artifact("dataset", data.toUri().toString(),
                digest))));
        sent(run);
        Files.writeString(data, "1,2,4\n");
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, "train", 1, "DataLost", 1,
                false, "the training set does not parse"));

        JsonNode decided = decided(sent(run));
        assertThat(decided.at("/data/action").asText()).isEqualTo("RERUN_UPSTREAM");
        assertThat(decided.at("/data/reasons/0").asText()).isEqualTo("input dataset of ingest is corrupt: its "
                + "content no longer matches its digest; ingest runs again, then this step");
        assertThat(decided.at("/data/evidence/corruptInputs/0").asText()).isEqualTo("dataset");
        assertThat(decided.at("/data/evidence/missingInputs")).isEmpty();
        Files.delete(data);
    }

    /** A run whose parameters are its own, so that no other test's memoized result stands in for its steps. */
    String request(String requestId) {
        return request(requestId, requestId);
    }

    String request(String requestId, String tag) {
        return coordinator.requested("/quiver/tests", requestId, new RunRequested("model-selection", null,
                Map.of("dataset", "s3://data/churn.csv", "tag", tag)));
    }

    @Test
    void stepEventsOfManyRunsHandledTogetherTakeEffectAsOneAtATimeWould() throws Exception {
        StatementLog log = new StatementLog(dataSource());
        Transactions grouped = new Transactions(log);
        RunCoordinator together = new RunCoordinator(grouped, Pipelines.of(List.of(PipelineFiles.modelSelection())),
                new Outbox(grouped, new EventCodec(clock), clock), RetryPolicies.configuredBy(Map.of()), JSON, clock);
        String alone = request("request-" + UUID.randomUUID());
        complete(alone, "ingest", 1);
        for (String training : List.of("train[0]", "train[1]", "train[2]")) {
            complete(alone, training, 1);
        }
        List<String> oneAtATime = instances(sent(alone));
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            for (int burst = 0; burst < 3; burst++) {
                List<String> runs = new ArrayList<>();
                List<Callable<Void>> events = new ArrayList<>();
                for (int r = 0; r < 8; r++) {
                    String run = request("request-" + UUID.randomUUID());
                    complete(run, "ingest", 1);
                    runs.add(run);
                    for (String training : List.of("train[0]", "train[1]", "train[2]")) {
                        String id = UUID.randomUUID().toString();
                        // each completion delivered twice at once, as a broker may
                        for (int copy = 0; copy < 2; copy++) {
                            events.add(() -> {
                                together.completed(EXECUTOR, id, completion(run, training, 1));
                                return null;
                            });
                        }
                    }
                }
                Collections.shuffle(events, new Random(burst));
                for (Future<Void> done : threads.invokeAll(events)) {
                    done.get();
                }
                for (String run : runs) {
                    assertThat(instances(sent(run))).as("burst %d, run %s", burst, run)
                            .containsExactlyInAnyOrderElementsOf(oneAtATime);
                    assertThat(sequence(run)).as("its events numbered as one at a time would")
                            .isEqualTo(sequence(alone));
                    assertThat(count("select count(*) from attempts where run_id = '" + run + "'")).isEqualTo(
                            count("select count(*) from attempts where run_id = '" + alone + "'"));
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(log.statements()).as("runs locked together by a group of their events")
                .anyMatch(sql -> sql.startsWith("select id, pipeline") && sql.contains("where id in (?, ?"));
    }

    @Test
    void aGroupWhoseEventsNameNoRunReadsNothingAndEachEventIsRefused() throws Exception {
        StepEventReads reads = new StepEventReads(new RunRepository(JSON), clock);
        String nowhere = "run-" + UUID.randomUUID();
        transactions.inTransaction(c -> {
            StepEventReads.Found found = reads.read(c, List.of(new StepEventReads.Event(EXECUTOR,
                    UUID.randomUUID().toString(), EventTypes.STEP_COMPLETED, nowhere), new StepEventReads.Event(
                    EXECUTOR, UUID.randomUUID().toString(), EventTypes.STEP_FAILED, nowhere)));
            assertThat(found.take(nowhere)).as("no run to lock, no instances read").isEmpty();
            return null;
        });
        assertThatThrownBy(() -> complete(nowhere, "ingest", 1)).isInstanceOf(RunRefusedException.class)
                .hasMessage("runId: no run " + nowhere);
    }

    private long sequence(String run) throws SQLException {
        return count("select sequence from runs where id = '" + run + "'");
    }

    void complete(String run, String instance, int attempt) {
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), completion(run, instance, attempt));
    }

    void fail(String run, String instance, int attempt) {
        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(run, instance, attempt,
                "OutOfMemory", 137, true, "killed at 4.0 GiB"));
    }

    static StepCompleted completion(String run, String instance, int attempt) {
        return new StepCompleted(run, instance, attempt, Map.of("model", "s3://models/" + instance + ".onnx"),
                Map.of("accuracy", 0.9), List.of(new StepCompleted.Artifact("model",
                "s3://models/" + instance + ".onnx", "sha256:" + "0f".repeat(32))));
    }

    /**
     * The run's events not yet seen by the test, as {type, data}, in the order they were decided; marks them sent. Read
     * straight from the outbox, so that the events other tests left unsent are not claimed and released every time.
     */
    List<JsonNode> sent(String run) throws Exception {
        List<Unsent> unsent = transactions.inTransaction(c -> {
            List<Unsent> events = Statements.query(c, "select seq, type, data from outbox where run_id = ? and "
                    + "sent_at is null order by seq", row -> new Unsent(row.getLong(1), row.getString(2),
                    row.getString(3)), run);
            if (!events.isEmpty()) {
                Statements.update(c, "update outbox set sent_at = ? where run_id = ? and sent_at is null and seq <= ?",
                        clock.instant(), run, events.getLast().seq());
            }
            return events;
        });
        List<JsonNode> events = new ArrayList<>();
        for (Unsent event : unsent) {
            events.add(JSON.createObjectNode().put("type", event.type()).set("data", JSON.readTree(event.data())));
        }
        return events;
    }

    private record Unsent(long seq, String type, String data) {
    }

    static List<String> instances(List<JsonNode> dispatched) {
        return dispatched.stream().map(event -> event.at("/data/instance").asText() + "#"
                + event.at("/data/attempt").asInt()).toList();
    }

    String runState(String run) throws SQLException {
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select state from runs where id = ?")) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement(sql);
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
