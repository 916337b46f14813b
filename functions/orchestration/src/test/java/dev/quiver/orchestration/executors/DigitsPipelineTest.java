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
import org.assertj.core.data.Offset;
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
 * The shipped digits pipeline, for real: the data set ingested into a datasets bucket and split, three trainings of
 * the digits classifier as local processes (the project's trainer) reporting accuracy per epoch, the two most accurate
 * models selected and published into the model repository of a running inference function (the packaged one, started
 * as a process), and the held-out rows run through both by the aggregate step; a second run reuses the ingestion.
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
        assertThat(state.getFloat("steps.find { it.instance == 'ingest' }.metrics.'held-out-records'"))
                .isEqualTo(359f);
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
        // the selection runs at 2 of 3 trainings and again at 3 of 3; the last publication holds the final two
        List<Integer> versions = state.getList("steps.find { it.instance == 'publish' }.outputs.versions",
                Integer.class);
        assertThat(versions).hasSize(2).doesNotHaveDuplicates();
        for (int i = 0; i < 2; i++) {
            JsonPath training = given().get("/runs/{run}/steps/{instance}", run, best.get(i)).then()
                    .extract().jsonPath();
            assertThat(training.getList("attempts")).as(training.prettify()).hasSize(1);
            String trained = training.getString("attempts[0].artifacts[0].uri");
            assertThat(Repository.models.resolve("digits-trained/" + versions.get(i) + "/model.onnx"))
                    .hasSameBinaryContentAs(Path.of(URI.create(trained)));
        }
        assertThat(Repository.models.resolve("digits-trained/config.yaml")).content()
                .contains("version_policy:", "latest: 2");
        epochsWereHeartbeats(run);
        aggregateMeasuredBothVersions(run, state, versions);
        int published;
        try (Stream<Path> folders = Files.list(Repository.models.resolve("digits-trained"))) {
            published = folders.filter(Files::isDirectory).mapToInt(f -> Integer.parseInt(f.getFileName().toString()))
                    .max().orElseThrow();
        }

        String again = runDigits();
        JsonPath second = given().get("/runs/" + again).then().statusCode(200).extract().jsonPath();
        assertThat(second.getString("state")).as(second.prettify()).isEqualTo("SUCCEEDED");
        assertThat(second.getString("steps.find { it.instance == 'ingest' }.reason"))
                .startsWith("memoized: reusing the result of run " + run);
        List<Integer> republished = second.getList("steps.find { it.instance == 'publish' }.outputs.versions",
                Integer.class);
        assertThat(republished).as("retrained models are new artifacts, published as new versions")
                .hasSize(2).allSatisfy(version -> assertThat(version).isGreaterThan(published));
        aggregateMeasuredBothVersions(again, second, republished);
    }

    /** The 40-epoch training reported the held-out accuracy of each epoch in its heartbeats, the last its result. */
    private static void epochsWereHeartbeats(String run) {
        List<Float> epochs = given().get("/runs/{run}/steps/{instance}/series/metric.epoch", run, "train[2]").then()
                .statusCode(200).extract().jsonPath().getList("value", Float.class);
        List<Float> accuracy = given().get("/runs/{run}/steps/{instance}/series/metric.accuracy", run, "train[2]")
                .then().statusCode(200).extract().jsonPath().getList("value", Float.class);
        assertThat(epochs).hasSize(40);
        assertThat(epochs.getFirst()).isEqualTo(1f);
        assertThat(epochs.getLast()).isEqualTo(40f);
        assertThat(accuracy).hasSize(40);
        assertThat(accuracy.getLast()).isEqualTo(given().get("/runs/" + run).then().extract().jsonPath()
                .getFloat("steps.find { it.instance == 'train[2]' }.metrics.accuracy"));
    }

    /**
     * The aggregate step's figures are those of its predictions file: every held-out row, each version's class and the
     * combined one.
     */
    private static void aggregateMeasuredBothVersions(String run, JsonPath state, List<Integer> versions)
            throws IOException {
        String aggregate = "steps.find { it.instance == 'aggregate' }";
        assertThat(state.getString(aggregate + ".state")).isEqualTo("SUCCEEDED");
        assertThat(state.getList(aggregate + ".outputs.versions", String.class))
                .containsExactlyElementsOf(versions.stream().map(String::valueOf).toList());
        String uri = given().get("/runs/{run}/steps/{instance}", run, "aggregate").then().extract().jsonPath()
                .getString("attempts.last().artifacts.find { it.name == 'predictions' }.uri");
        List<String[]> rows = Files.readAllLines(Path.of(URI.create(uri))).stream().skip(1)
                .map(line -> line.split(",")).toList();
        assertThat(rows).hasSize(359);
        for (int column = 2; column < 2 + versions.size() + 1; column++) {
            int index = column;
            double accuracy = rows.stream().filter(row -> row[1].equals(row[index])).count() / (double) rows.size();
            String metric = index == 2 + versions.size() ? "accuracy" : "'accuracy-v" + versions.get(index - 2) + "'";
            assertThat(state.getDouble(aggregate + ".metrics." + metric)).as(metric)
                    .isCloseTo(accuracy, Offset.offset(0.0001)).isGreaterThan(0.9);
        }
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
        private InferenceFunctionProcess inference;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-digits-pipeline");
                models = Files.createDirectories(root.resolve("models"));
                datasets = Files.createDirectories(root.resolve("buckets/datasets"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            inference = InferenceFunctionProcess.start(models, root.resolve("inference.log"));
            return Map.of("quiver.orchestration.pipelines", PipelineFiles.SHIPPED.toString(),
                    "quiver.orchestration.state", root.resolve("state").toString(),
                    "quiver.orchestration.model-repository", models.toString(),
                    "quiver.orchestration.inference-url", inference.url().toString(),
                    "quiver.orchestration.relay-interval", "50ms",
                    "quiver.orchestration.process-heartbeat-interval", "500ms");
        }

        @Override
        public void stop() {
            if (inference != null) {
                inference.close();
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
