package dev.quiver.orchestration.executors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;

import dev.quiver.events.EventTypes;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Embedded mode end to end: with no event sink, dispatched {@code process} steps run as real local processes in the
 * function, report progress and memory while they run, and their exits move the run on, to its end.
 */
@QuarkusTest
@WithTestResource(ProcessExecutorTest.ShellPipelines.class)
class ProcessExecutorTest {

    @Test
    void aPipelineOfLocalProcessesRunsToItsEnd() {
        String run = request("shell");
        awaitState(run, "SUCCEEDED");
        given().get("/runs/" + run).then()
                .body("steps.find { it.instance == 'ingest' }.outputs.rows", equalTo(3))
                .body("steps.find { it.instance == 'train[0]' }.state", equalTo("SUCCEEDED"))
                .body("steps.find { it.instance == 'train[1]' }.state", equalTo("FAILED"))
                .body("steps.find { it.instance == 'report' }.state", equalTo("SUCCEEDED"));
        given().get("/runs/" + run + "/steps/ingest").then()
                .body("attempts[0].artifacts[0].uri", equalTo("file:/data/" + run + ".csv"))
                .body("series", hasItem("memory_bytes"))
                .body("series", hasItem("metric.records"))
                .body("series", hasItem("data.source"));
        given().get("/runs/" + run + "/steps/ingest/series/progress_percent").then()
                .body("[0].value", equalTo(50.0f));
        given().get("/runs/" + run + "/steps/ingest/series/memory_bytes").then()
                .body("[0].value", greaterThan(0.0f));
        given().get("/runs/{run}/steps/{instance}", run, "train[1]").then()
                .body("attempts[0].errorClass", equalTo("ExitCode"))
                .body("attempts[0].exitCode", equalTo(3))
                .body("attempts[0].message", containsString("model b diverged"));
    }

    @Test
    void aProcessOverItsMemoryLimitIsKilledReportedSoAndRetriedWithMoreMemory() {
        String run = request("hungry");
        awaitState(run, "SUCCEEDED");
        JsonPath load = given().get("/runs/" + run + "/steps/load").then().extract().jsonPath();
        assertThat(load.getString("attempts[0].errorClass")).isEqualTo("OutOfMemory");
        assertThat(load.getBoolean("attempts[0].killedForMemory")).isTrue();
        assertThat(load.getString("attempts[0].message")).contains("over the limit of 67108864");
        assertThat(load.getString("attempts[0].decision.action")).isEqualTo("RETRY_WITH_RESOURCES");
        long peak = load.getLong("attempts[0].decision.evidence.peakMemoryBytes");
        assertThat(peak).as("the resident memory sampled over the limit").isGreaterThan(64L << 20);
        assertThat(load.getLong("attempts[0].decision.memoryBytes")).isEqualTo(2 * peak);
        // killed while still allocating (a slow machine samples it early), its peak may fall short of python's 200 MiB:
        // then it takes another doubling. Each kill is at or over the limit, so the third attempt has at least 256 MiB,
        // before a third out-of-memory in a row would make the decision give up
        assertThat(load.getString("attempts.last().state")).isEqualTo("SUCCEEDED");
    }

    @Test
    void aProcessNamesTheClassOfItsFailureForTheRetryDecision() {
        String run = request("unreachable");
        awaitState(run, "FAILED");
        JsonPath fetch = given().get("/runs/" + run + "/steps/fetch").then().extract().jsonPath();
        assertThat(fetch.getString("attempts[0].errorClass")).isEqualTo("NetworkError");
        assertThat(fetch.getInt("attempts[0].exitCode")).isEqualTo(1);
        assertThat(fetch.getString("attempts[0].decision.evidence.kind")).isEqualTo("TRANSIENT");
        assertThat(fetch.getString("attempts[0].decision.action")).as("its one attempt is spent").isEqualTo("GIVE_UP");
    }

    @Test
    void aResultNoStoreCouldKeepFailsTheStepNamingItRatherThanRetryingIt() {
        String run = request("twins");
        awaitState(run, "FAILED");
        JsonPath write = given().get("/runs/" + run + "/steps/write").then().extract().jsonPath();
        assertThat(write.getList("attempts")).as("not tried again").hasSize(1);
        assertThat(write.getString("attempts[0].errorClass")).isEqualTo("InvalidOutputs");
        assertThat(write.getString("attempts[0].message")).isEqualTo("the step's result cannot be kept: "
                + "$.artifacts[1].name: \"model\" is the name of $.artifacts[0] already; expected one artifact per "
                + "name");
        assertThat(write.getString("attempts[0].decision.action")).isEqualTo("ABANDON");
        assertThat(write.getString("step.reason")).startsWith("InvalidOutputs: ABANDON: error class InvalidOutputs is "
                + "permanent");
    }

    @Test
    void aRetryResumesFromTheCheckpointItsFailedAttemptReported() {
        String run = request("resume");
        awaitState(run, "SUCCEEDED");
        JsonPath train = given().get("/runs/" + run + "/steps/train").then().extract().jsonPath();
        assertThat(train.getString("attempts[0].state")).isEqualTo("FAILED");
        assertThat(train.getString("attempts[1].state")).isEqualTo("SUCCEEDED");
        assertThat(train.getInt("step.outputs.resumedFromEpoch")).isEqualTo(3);
    }

    @Test
    void eachWorkersThroughputInAProgressLineIsKeptAsASeries() {
        String run = request("workers");
        awaitState(run, "SUCCEEDED");
        given().get("/runs/" + run + "/steps/train/series/worker.w2").then().statusCode(200)
                .body("[0].value", equalTo(12.5f));
        given().get("/runs/" + run + "/steps/train/series/worker.w0").then().statusCode(200)
                .body("[0].value", equalTo(120.0f));
    }

    private static String request(String pipeline) {
        String id = UUID.randomUUID().toString();
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\":\"" + pipeline + "\"}").post("/").then().statusCode(204);
        return given().queryParam("pipeline", pipeline).get("/runs").then().statusCode(200)
                .extract().jsonPath().getString("[0].id");
    }

    private static void awaitState(String run, String state) {
        await().atMost(Duration.ofSeconds(90)).until(() -> state.equals(given().get("/runs/" + run).then()
                .extract().jsonPath().getString("state")));
    }

    public static class ShellPipelines implements QuarkusTestResourceLifecycleManager {

        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-process-executor");
                Path pipelines = Files.createDirectories(root.resolve("pipelines"));
                Files.writeString(pipelines.resolve("shell.yaml"), """
                        pipeline: shell
                        version: 1
                        steps:
                          - name: ingest
                            executor: process
                            params:
                              command: [sh, -c, 'echo "##quiver {\\"progress\\": 50, \\"metrics\\": {\\"records\\": 3}, \\"data\\": {\\"source\\": true}}"; sleep 2; printf "{\\"outputs\\": {\\"rows\\": 3}, \\"artifacts\\": [{\\"name\\": \\"data\\", \\"uri\\": \\"file:/data/%s.csv\\"}]}" "$QUIVER_RUN_ID" > "$QUIVER_OUTPUTS"']
                          - name: train
                            executor: process
                            depends: [ingest]
                            for-each: [{model: a}, {model: b}]
                            retry: {max-attempts: 1}
                            params:
                              command: [sh, -c, 'echo "$QUIVER_INPUTS" | grep -q "file:/data/$QUIVER_RUN_ID.csv" || exit 4; test "$QUIVER_PARAM_MODEL" = a || { echo "model $QUIVER_PARAM_MODEL diverged" >&2; exit 3; }']
                          - name: report
                            executor: process
                            depends: [train]
                            trigger: all-done
                            params:
                              command: [sh, -c, 'exit 0']
                        """);
                Files.writeString(pipelines.resolve("workers.yaml"), """
                        pipeline: workers
                        version: 1
                        steps:
                          - name: train
                            executor: process
                            params:
                              command: [sh, -c, 'echo "##quiver {\\"workers\\": {\\"w0\\": 120, \\"w1\\": 115, \\"w2\\": 12.5}}"; sleep 3']
                        """);
                Files.writeString(pipelines.resolve("resume.yaml"), """
                        pipeline: resume
                        version: 1
                        steps:
                          - name: train
                            executor: process
                            retry: {max-attempts: 2, backoff: {initial: 1s, cap: 1s, jitter: none, budget: 1h}}
                            params:
                              command: [sh, -c, 'case "$QUIVER_INPUTS" in *file:/checkpoints/epoch-3*) echo "{\\"outputs\\": {\\"resumedFromEpoch\\": 3}}" > "$QUIVER_OUTPUTS"; exit 0;; esac; echo "##quiver {\\"progress\\": 30, \\"checkpoint\\": {\\"uri\\": \\"file:/checkpoints/epoch-3\\"}}"; sleep 1; echo "##quiver {\\"error\\": \\"NetworkError\\"}"; exit 1']
                        """);
                Files.writeString(pipelines.resolve("hungry.yaml"), """
                        pipeline: hungry
                        version: 1
                        steps:
                          - name: load
                            executor: process
                            resources: {memory: 64Mi}
                            retry: {max-attempts: 6, backoff: {initial: 1s, cap: 1s, jitter: none, budget: 1h}}
                            params:
                              command: [python3, -c, 'import time; data = b"x" * (200 * 1024 * 1024); time.sleep(3)']
                        """);
                Files.writeString(pipelines.resolve("unreachable.yaml"), """
                        pipeline: unreachable
                        version: 1
                        steps:
                          - name: fetch
                            executor: process
                            retry: {max-attempts: 1}
                            params:
                              command: [sh, -c, 'echo "##quiver {\\"progress\\": 5, \\"error\\": \\"NetworkError\\"}"; exit 1']
                        """);
                Files.writeString(pipelines.resolve("twins.yaml"), """
                        pipeline: twins
                        version: 1
                        steps:
                          - name: write
                            executor: process
                            params:
                              command: [sh, -c, 'printf "{\\"artifacts\\": [{\\"name\\": \\"model\\", \\"uri\\": \\"file:/a\\"}, {\\"name\\": \\"model\\", \\"uri\\": \\"file:/b\\"}]}" > "$QUIVER_OUTPUTS"']
                        """);
                return Map.of("quiver.orchestration.pipelines", pipelines.toString(),
                        "quiver.orchestration.state", root.resolve("state").toString(),
                        "quiver.orchestration.relay-interval", "50ms",
                        "quiver.orchestration.process-heartbeat-interval", "200ms",
                        "quiver.orchestration.tick-interval", "1s");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
