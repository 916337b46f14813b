package dev.quiver.inference.goldenset;

import static dev.quiver.inference.fixtures.VersionStates.awaitState;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.inference.fixtures.AlertCatcher;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Golden sets run again on a schedule, with a real ONNX model ({@code y = x + 1}) through its batcher: a version that
 * passed its golden set at the gate and no longer does (its golden set now expects other answers, and the reload that
 * change caused was refused, so the version serves on) raises one {@code golden-set} alert at a real HTTP sink.
 */
@QuarkusTest
@WithTestResource(GoldenSetScheduleTest.GoldenRepository.class)
class GoldenSetScheduleTest {

    static final ConcurrentLinkedQueue<String> ALERTS = new ConcurrentLinkedQueue<>();

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @Test
    void aServingVersionWhoseAnswersNoLongerMatchItsGoldenSetAlertsOnce() {
        awaitState("plus_one", "1", "READY");
        JsonPath passing = awaitRuns("plus_one", 1);
        assertThat(passing.getBoolean("last.passed")).isTrue();
        assertThat(passing.getDouble("last.pass_rate")).isEqualTo(1.0);
        assertThat(passing.getInt("golden")).isEqualTo(2);
        assertThat(passing.getDouble("interval_seconds")).isEqualTo(0.3);
        assertThat(passing.getBoolean("alerting")).isFalse();
        assertThat(Metrics.scrape()).contains("quiver_model_golden_set_pass_rate{model=\"plus_one\",version=\"1\"} 1.0");

        new ModelRepositoryFixture(root).withFile("plus_one", "1/validation/validation.json", golden(1, 2));

        await().atMost(Duration.ofSeconds(20)).until(() -> alerts("plus_one").size() == 1);
        long failedSoFar = runs("plus_one").getLong("failed_runs");
        JsonPath failing = await().atMost(Duration.ofSeconds(20)).until(() -> runs("plus_one"),
                report -> report.getLong("failed_runs") >= failedSoFar + 2);
        assertThat(failing.getBoolean("alerting")).isTrue();
        assertThat(failing.getBoolean("last.passed")).isFalse();
        assertThat(failing.getDouble("last.pass_rate")).isEqualTo(0.0);
        assertThat(failing.getString("last.checks[0].detail")).isEqualTo(
                "golden[0]: output y element 0 is 2.0, expected 3.0 within 1.0E-4");
        assertThat(alerts("plus_one")).as("one alert while the golden set fails").hasSize(1);
        assertThat(alerts("plus_one").getFirst()).startsWith("dev.quiver.model.alert.raised {")
                .contains("\"kind\":\"golden-set\"", "\"modelVersion\":\"1\"", "\"measured\":0.0",
                        "\"threshold\":1.0", "golden[0]: output y element 0 is 2.0, expected 3.0");
        // the version answers as before: its reload with the new golden set was refused by the gate (the repository
        // poll tries that reload on its own schedule, which may come after the scheduled run alerted)
        awaitState("plus_one", "1", "READY", "validity gate: golden[0]");
        assertThat(Metrics.scrape()).contains("quiver_model_golden_set_pass_rate{model=\"plus_one\",version=\"1\"} 0.0");
    }

    @Test
    void theEndpointAnswersForLoadedVersionsOnly() {
        awaitState("no_golden", "1", "READY");
        given().get("/v2/models/no_golden/versions/1/golden").then().statusCode(200)
                .body("golden", equalTo(0))
                .body("interval_seconds", equalTo(600.0f));
        given().get("/v2/models/no_golden/versions/2/golden").then().statusCode(404)
                .body("error", containsString("has no version \"2\""));
    }

    private static JsonPath awaitRuns(String model, long runs) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> runs(model), report -> report.getLong("runs") >= runs);
    }

    private static JsonPath runs(String model) {
        return given().get("/v2/models/" + model + "/versions/1/golden").then().statusCode(200).extract().jsonPath();
    }

    private static List<String> alerts(String model) {
        return ALERTS.stream().filter(alert -> alert.contains("\"model\":\"" + model + "\"")
                && alert.contains("golden-set")).toList();
    }

    /** Two golden inputs of {@code y = x + 1}, expecting {@code x + answerPlus}. */
    static String golden(float first, float answerPlus) {
        return "{\"golden\": [" + goldenCase(first, first + answerPlus) + ", "
                + goldenCase(first + 10, first + 10 + answerPlus) + "]}";
    }

    private static String goldenCase(float input, float output) {
        return "{\"inputs\": {\"x\": {\"shape\": [1, 4], \"data\": [" + input + ", " + input + ", " + input + ", "
                + input + "]}}, \"outputs\": {\"y\": {\"data\": [" + output + ", " + output + ", " + output + ", "
                + output + "]}}}";
    }

    public static class GoldenRepository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;
        private AlertCatcher sink;

        @Override
        public Map<String, String> start() {
            sink = AlertCatcher.start(ALERTS);
            repository = ModelRepositoryFixture.temporary("quiver-golden")
                    .withFile("plus_one", "1/validation/validation.json", golden(1, 1))
                    .withModel("plus_one", 1, OnnxModels.addConstant(1))
                    .withConfig("plus_one", "config.yaml", "golden_set: {interval: 300ms}\n")
                    .withModel("no_golden", 1, OnnxModels.addConstant(1));
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.poll-interval", "200ms",
                    "quiver.inference.alert-sink", sink.url());
        }

        @Override
        public void stop() {
            sink.close();
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
