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
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped digits pipeline, for real: three trainings of the digits classifier as local processes (the project's
 * trainer), the most accurate model selected and published into a model repository folder laid out as the inference
 * function reads it.
 */
@QuarkusTest
@WithTestResource(DigitsPipelineTest.Repository.class)
class DigitsPipelineTest {

    @Test
    void theMostAccurateTrainedModelIsPublishedForServing() throws IOException {
        String id = UUID.randomUUID().toString();
        String parameters = "{\"java\":\"" + Path.of(System.getProperty("java.home"), "bin", "java") + "\","
                + "\"trainer\":\"" + Path.of("../training/target/quiver-training.jar").toAbsolutePath() + "\"}";
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\":\"digits\",\"parameters\":" + parameters + "}").post("/").then().statusCode(204);
        String run = given().queryParam("pipeline", "digits").get("/runs").then().statusCode(200)
                .extract().jsonPath().getString("[0].id");
        await().atMost(Duration.ofSeconds(120)).until(() -> List.of("SUCCEEDED", "FAILED").contains(
                given().get("/runs/" + run).then().extract().jsonPath().getString("state")));

        JsonPath state = given().get("/runs/" + run).then().statusCode(200).extract().jsonPath();
        assertThat(state.getString("state")).as(state.prettify()).isEqualTo("SUCCEEDED");
        List<Float> accuracies = List.of(0, 1, 2).stream().map(i -> state.getFloat(
                "steps.find { it.instance == 'train[" + i + "]' }.metrics.accuracy")).toList();
        float best = accuracies.stream().max(Float::compare).orElseThrow();
        String bestInstance = "train[" + accuracies.indexOf(best) + "]";
        assertThat(best).isGreaterThan(0.85f);
        assertThat(state.getString("steps.find { it.instance == 'select' }.outputs.selected[0].instance"))
                .isEqualTo(bestInstance);

        Path published = Repository.models.resolve("digits-trained");
        try (Stream<Path> versions = Files.list(published)) {
            Path latest = versions.max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .orElseThrow().resolve("model.onnx");
            String trained = given().get("/runs/{run}/steps/{instance}", run, bestInstance).then().extract()
                    .jsonPath().getString("attempts[0].artifacts[0].uri");
            assertThat(latest).hasSameBinaryContentAs(Path.of(URI.create(trained)));
        }
    }

    public static class Repository implements QuarkusTestResourceLifecycleManager {

        static volatile Path models;
        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-digits-pipeline");
                models = Files.createDirectories(root.resolve("models"));
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
