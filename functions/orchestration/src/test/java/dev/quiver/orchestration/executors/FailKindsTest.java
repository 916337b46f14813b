package dev.quiver.orchestration.executors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.pipeline.PipelineFiles;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every kind {@code ./quiver fail} asks for, end to end: the shipped digits pipeline's own ingestion and training
 * (its failure injection, the project's trainer as a local process) in the function as it is packaged, asked for with
 * the launcher's request, and the retry decision recorded for the failed training checked against what the README
 * promises. The pipeline is the shipped file cut to what the decisions need: one training of one epoch and the
 * selection (its threshold is the quality bar), without publication.
 */
@QuarkusTest
@WithTestResource(FailKindsTest.CutDigits.class)
class FailKindsTest {

    private static final List<String> KINDS = List.of("memory-spike", "repeating-oom", "network", "data-lost",
            "falling-accuracy", "slow");

    @Test
    void eachInjectedFailureGetsTheDecisionTheReadmeDescribes() {
        Map<String, String> runs = new LinkedHashMap<>();
        for (String kind : KINDS) {
            runs.put(kind, fail(kind));
        }
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() -> runs.values().stream()
                .allMatch(run -> List.of("SUCCEEDED", "FAILED").contains(
                        given().get("/runs/" + run).then().extract().jsonPath().getString("state"))));

        JsonPath spike = training(runs.get("memory-spike"));
        assertThat(spike.getString("attempts[0].errorClass")).isEqualTo("OutOfMemory");
        assertThat(spike.getString("attempts[0].decision.action")).isEqualTo("RETRY_WITH_RESOURCES");
        assertThat(spike.getLong("attempts[0].decision.memoryBytes")).isEqualTo(2L << 30);
        assertThat(spike.getString("attempts.last().state")).as(spike.prettify()).isEqualTo("SUCCEEDED");

        JsonPath oom = training(runs.get("repeating-oom"));
        assertThat(oom.getList("attempts.decision.action", String.class)).as(oom.prettify())
                .containsExactly("RETRY_WITH_RESOURCES", "GIVE_UP");
        assertThat(oom.getString("attempts[1].decision.reasons[0]")).contains("ceiling of 2 GiB");
        assertThat(given().get("/runs/" + runs.get("repeating-oom")).then().extract().jsonPath()
                .getString("steps.find { it.instance == 'train[0]' }.state")).isEqualTo("FAILED");

        JsonPath network = training(runs.get("network"));
        assertThat(network.getString("attempts[0].errorClass")).isEqualTo("NetworkError");
        assertThat(network.getString("attempts[0].decision.action")).isEqualTo("RETRY");
        assertThat(network.getString("attempts[0].decision.evidence.kind")).isEqualTo("TRANSIENT");
        assertThat(network.getString("attempts.last().state")).as(network.prettify()).isEqualTo("SUCCEEDED");

        JsonPath lost = training(runs.get("data-lost"));
        assertThat(lost.getString("attempts[0].decision.action")).as(lost.prettify()).isEqualTo("RERUN_UPSTREAM");
        assertThat(lost.getString("attempts[0].decision.evidence.upstream")).isEqualTo("ingest");
        assertThat(lost.getString("attempts.last().state")).isEqualTo("SUCCEEDED");
        assertThat(given().get("/runs/{run}/steps/ingest", runs.get("data-lost")).then().extract().jsonPath()
                .getList("attempts.attempt", Integer.class)).as("ingestion ran again").hasSizeGreaterThan(1);

        JsonPath falling = training(runs.get("falling-accuracy"));
        assertThat(falling.getList("attempts.decision.action", String.class)).as(falling.prettify())
                .containsExactly("ABANDON");
        assertThat(falling.getList("attempts[0].decision.evidence.lastMetricValues", Float.class))
                .containsExactly(0.29f, 0.28f, 0.27f);
        assertThat(falling.getFloat("attempts[0].decision.evidence.threshold")).isEqualTo(0.9f);

        JsonPath slow = training(runs.get("slow"));
        assertThat(slow.getList("attempts.decision.action", String.class)).as(slow.prettify())
                .containsExactly("ABANDON");
        assertThat(slow.getString("attempts[0].decision.evidence.deadline")).isEqualTo("PT10M");
        assertThat(Duration.parse(slow.getString("attempts[0].decision.evidence.projectedFinish")))
                .isGreaterThan(Duration.ofMinutes(10));
    }

    /** What {@code ./quiver fail KIND} sends, with the trainer and bucket {@code ./quiver up} gives in its place. */
    private static String fail(String kind) {
        String parameters = "{\"inject-failure\":\"" + kind + "\",\"model\":\"digits-" + kind + "\","
                + "\"java\":\"" + Path.of(System.getProperty("java.home"), "bin", "java") + "\","
                + "\"trainer\":\"" + Path.of("../training/target/quiver-training.jar").toAbsolutePath() + "\","
                + "\"datasets\":\"" + CutDigits.datasets + "\"}";
        String id = "fail-" + kind;
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/quiver/launcher").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\":\"digits\",\"parameters\":" + parameters + "}").post("/").then().statusCode(204);
        return given().get("/runs?pipeline=digits&limit=1").then().statusCode(200).extract().jsonPath()
                .getString("[0].id");
    }

    private static JsonPath training(String run) {
        return given().get("/runs/{run}/steps/{instance}", run, "train[0]").then().statusCode(200).extract()
                .jsonPath();
    }

    public static class CutDigits implements QuarkusTestResourceLifecycleManager {

        static volatile Path datasets;
        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-fail-kinds");
                datasets = Files.createDirectories(root.resolve("buckets/datasets"));
                Path pipelines = Files.createDirectories(root.resolve("pipelines"));
                Files.writeString(pipelines.resolve("digits.yaml"),
                        cut(Files.readString(PipelineFiles.SHIPPED.resolve("digits.yaml"))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.pipelines", root.resolve("pipelines").toString(),
                    "quiver.orchestration.state", root.resolve("state").toString(),
                    "quiver.orchestration.relay-interval", "50ms",
                    "quiver.orchestration.tick-interval", "1s",
                    "quiver.orchestration.process-heartbeat-interval", "500ms");
        }

        private static String cut(String shipped) {
            String trainings = "for-each: [{epochs: 5, seed: 4}, {epochs: 10, seed: 2}, {epochs: 40, seed: 3}]";
            String quorum = "trigger: {at-least: 2}";
            String publish = "  - name: publish";
            if (!shipped.contains(trainings) || !shipped.contains(quorum) || !shipped.contains(publish)) {
                throw new IllegalStateException("the shipped digits pipeline changed: update the cut in this test");
            }
            return shipped.substring(0, shipped.indexOf(publish))
                    .replace(trainings, "for-each: [{epochs: 1, seed: 4}]")
                    .replace(quorum, "trigger: all-done");
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
