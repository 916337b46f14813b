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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped digits pipeline, for real: the data set ingested into a datasets bucket, three trainings of the digits
 * classifier as local processes (the project's trainer), the two most accurate models selected and published into a
 * model repository folder laid out as the inference function reads it; a second run reuses the ingestion.
 */
@QuarkusTest
@WithTestResource(DigitsPipelineTest.Repository.class)
class DigitsPipelineTest {

    @Test
    void theTwoMostAccurateModelsArePublishedAndASecondRunSkipsIngestion() throws IOException {
        String run = runDigits();
        JsonPath state = given().get("/runs/" + run).then().statusCode(200).extract().jsonPath();
        assertThat(state.getString("state")).as(state.prettify()).isEqualTo("SUCCEEDED");
        assertThat(state.getFloat("steps.find { it.instance == 'ingest' }.metrics.records")).isEqualTo(1797f);
        Map<String, Float> accuracies = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            String instance = "train[" + i + "]";
            accuracies.put(instance, state.getFloat("steps.find { it.instance == '" + instance + "' }.metrics"
                    + ".accuracy"));
        }
        List<String> best = accuracies.entrySet().stream()
                .sorted(Map.Entry.<String, Float>comparingByValue().reversed()).limit(2).map(Map.Entry::getKey)
                .toList();
        assertThat(accuracies.values()).allSatisfy(accuracy -> assertThat(accuracy).isGreaterThan(0.9f));
        assertThat(state.getList("steps.find { it.instance == 'select' }.outputs.selected.instance", String.class))
                .isEqualTo(best);
        assertThat(state.getList("steps.find { it.instance == 'publish' }.outputs.versions", Integer.class))
                .containsExactly(1, 2);
        for (int version = 1; version <= 2; version++) {
            String trained = given().get("/runs/{run}/steps/{instance}", run, best.get(version - 1)).then()
                    .extract().jsonPath().getString("attempts[0].artifacts[0].uri");
            assertThat(Repository.models.resolve("digits-trained/" + version + "/model.onnx"))
                    .hasSameBinaryContentAs(Path.of(URI.create(trained)));
        }

        String again = runDigits();
        JsonPath second = given().get("/runs/" + again).then().statusCode(200).extract().jsonPath();
        assertThat(second.getString("state")).as(second.prettify()).isEqualTo("SUCCEEDED");
        assertThat(second.getString("steps.find { it.instance == 'ingest' }.reason"))
                .startsWith("memoized: reusing the result of run " + run);
        assertThat(second.getList("steps.find { it.instance == 'publish' }.outputs.versions", Integer.class))
                .as("retrained models are new artifacts, published as new versions").containsExactly(3, 4);
    }

    private static String runDigits() {
        String id = UUID.randomUUID().toString();
        String parameters = "{\"java\":\"" + Path.of(System.getProperty("java.home"), "bin", "java") + "\","
                + "\"trainer\":\"" + Path.of("../training/target/quiver-training.jar").toAbsolutePath() + "\","
                + "\"datasets\":\"" + Repository.datasets + "\"}";
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\":\"digits\",\"parameters\":" + parameters + "}").post("/").then().statusCode(204);
        String run = given().get("/runs").then().statusCode(200).extract().jsonPath()
                .getString("find { it.pipeline == 'digits' }.id");
        await().atMost(Duration.ofSeconds(120)).until(() -> List.of("SUCCEEDED", "FAILED").contains(
                given().get("/runs/" + run).then().extract().jsonPath().getString("state")));
        return run;
    }

    public static class Repository implements QuarkusTestResourceLifecycleManager {

        static volatile Path models;
        static volatile Path datasets;
        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-digits-pipeline");
                models = Files.createDirectories(root.resolve("models"));
                datasets = Files.createDirectories(root.resolve("buckets/datasets"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.pipelines", PipelineFiles.SHIPPED.toString(),
                    "quiver.orchestration.state", root.resolve("state").toString(),
                    "quiver.orchestration.model-repository", models.toString(),
                    "quiver.orchestration.relay-interval", "50ms",
                    "quiver.orchestration.process-heartbeat-interval", "500ms");
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
