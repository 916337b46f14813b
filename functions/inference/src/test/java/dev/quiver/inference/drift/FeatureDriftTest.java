package dev.quiver.inference.drift;

import static dev.quiver.inference.fixtures.VersionStates.awaitState;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import dev.quiver.inference.fixtures.AlertCatcher;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.training.DigitImage;
import dev.quiver.training.DigitsDataset;
import dev.quiver.training.TrainingOptions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Feature drift with the real digits model and its real training baseline: the digits the model never saw in training
 * (its held-out 20%, from the shared data set) are not drift; the same digits with inverted pixels (16 - x) are, and
 * raise one alert at a real HTTP sink until they stop.
 */
@QuarkusTest
@WithTestResource(FeatureDriftTest.DriftRepository.class)
class FeatureDriftTest {

    static final ConcurrentLinkedQueue<String> ALERTS = new ConcurrentLinkedQueue<>();
    /** The model's held-out rows: the split the trainer made with its seed, from the shared data set. */
    private static final List<DigitImage> HELD_OUT = heldOut();
    private static final int WINDOW = 300;
    private static final int PER_REQUEST = 10;

    @Test
    void heldOutDigitsAreNotDrift() {
        String model = "digits_heldout";
        discovered(model);
        sendWindow(model, value -> value);

        JsonPath drift = awaitWindows(model, 1);
        assertThat(drift.getBoolean("inputs.input.drifted")).isFalse();
        assertThat(drift.getDouble("inputs.input.psi_max")).isLessThan(0.25);
        assertThat(drift.getDouble("inputs.input.ks_p")).isGreaterThan(0.01);
        assertThat(drift.getLong("inputs.input.items")).isEqualTo(WINDOW);
        assertThat(drift.getList("alerting")).isEmpty();
        assertThat(drift.getString("baseline.trained_at")).isEqualTo(
                ModelRepositoryFixture.digitsModel().baseline().trainedAt());
        assertThat(drift.getLong("baseline.rows")).isEqualTo(1438);
        assertThat(Metrics.scrape()).containsPattern("quiver_model_feature_psi\\{[^}]*input=\"input\"[^}]*model=\""
                + model + "\"[^}]*} 0\\.\\d+");
        assertThat(alerts(model)).isEmpty();
    }

    @Test
    void invertedDigitsDriftAndAlertOnceUntilTheyStop() {
        String model = "digits_inverted";
        discovered(model);
        sendWindow(model, value -> 16 - value);

        JsonPath drift = awaitWindows(model, 1);
        assertThat(drift.getBoolean("inputs.input.drifted")).isTrue();
        assertThat(drift.getDouble("inputs.input.psi_max")).isGreaterThan(1);
        assertThat(drift.getDouble("inputs.input.ks_p")).isLessThan(1e-6);
        assertThat(drift.getList("inputs.input.worst_features")).hasSize(3);
        assertThat(drift.getList("alerting")).containsExactly("input");
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts(model).size() == 1);
        assertThat(alerts(model).getFirst()).contains("\"kind\":\"feature-drift\"", "\"input\":\"input\"",
                "\"modelVersion\":\"1\"", "\"threshold\":0.25", "over 300 served items", "worst features");

        sendWindow(model, value -> 16 - value);
        awaitWindows(model, 2);
        assertThat(alerts(model)).as("one alert while the drift holds").hasSize(1);

        sendWindow(model, value -> value);
        JsonPath cleared = awaitWindows(model, 3);
        assertThat(cleared.getBoolean("inputs.input.drifted")).isFalse();
        assertThat(cleared.getList("alerting")).isEmpty();
        assertThat(alerts(model)).hasSize(1);
    }

    @Test
    void aBadDriftConfigurationIsRefusedNamingTheField() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/v2/health/ready").then()
                .body("problems", hasItem(containsString("model digits_misconfigured has an invalid configuration")))
                .body("problems", hasItem(containsString("line 1, drift.sample_rate: must be above 0 and at most 1 "
                        + "(the share of requests sampled), got 2.0")))
                .body("problems", hasItem(containsString("line 1, drift.window: must be between 50 and 100000, "
                        + "got 5"))));
    }

    @Test
    void theEndpointNamesWhatIsUnknownOrNotCompared() {
        awaitState("digits_without_baseline", "1", "READY");
        given().get("/v2/models/nope/versions/1/drift").then().statusCode(404)
                .body("error", containsString("model \"nope\" not found"));
        given().get("/v2/models/digits_without_baseline/versions/7/drift").then().statusCode(404)
                .body("error", containsString("has no version \"7\""));
        infer("digits_without_baseline", List.of(HELD_OUT.getFirst()), value -> value);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given()
                .get("/v2/models/digits_without_baseline/versions/1/drift").then().statusCode(200)
                .body("note", containsString("no baseline.json beside model.onnx")));
    }

    /** Serves one digit and waits until the drift thread has read the version's baseline. */
    private static void discovered(String model) {
        awaitState(model, "1", "READY");
        infer(model, List.of(HELD_OUT.getFirst()), value -> value);
        await().atMost(Duration.ofSeconds(10)).until(() -> given()
                .get("/v2/models/" + model + "/versions/1/drift").jsonPath().getString("baseline.trained_at") != null);
    }

    /** Sends one window of held-out digits, each pixel mapped, ten per request. */
    private static void sendWindow(String model, DoubleUnaryOperator pixel) {
        for (int start = 0; start < WINDOW; start += PER_REQUEST) {
            infer(model, HELD_OUT.subList(start, start + PER_REQUEST), pixel);
        }
    }

    private static void infer(String model, List<DigitImage> images, DoubleUnaryOperator pixel) {
        String data = images.stream().flatMap(image -> IntStream.range(0, 64)
                        .mapToObj(i -> Integer.toString((int) pixel.applyAsDouble(image.pixels()[i]))))
                .collect(Collectors.joining(","));
        given().contentType("application/json").body("{\"inputs\": [{\"name\": \"input\", \"shape\": ["
                        + images.size() + ", 64], \"datatype\": \"FP32\", \"data\": [" + data + "]}]}")
                .post("/v2/models/" + model + "/infer").then().statusCode(200);
    }

    /** Waits until {@code windows} windows were compared with the baseline. */
    private static JsonPath awaitWindows(String model, int windows) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonPath drift = given().get("/v2/models/" + model + "/versions/1/drift").jsonPath();
            return drift.get("windows.input") != null && drift.getLong("windows.input") >= windows;
        });
        return given().get("/v2/models/" + model + "/versions/1/drift").then().statusCode(200).extract().jsonPath();
    }

    private static List<String> alerts(String model) {
        return ALERTS.stream().filter(alert -> alert.contains("\"model\":\"" + model + "\"")
                && alert.contains("feature-drift")).toList();
    }

    private static List<DigitImage> heldOut() {
        try {
            return DigitsDataset.load(Path.of("../../../shared/data/digits.csv.gz"))
                    .split(TrainingOptions.defaults().testFraction(), TrainingOptions.defaults().seed()).test();
        } catch (IOException e) {
            throw new UncheckedIOException("the shared digits data set (../shared/data beside the checkout)", e);
        }
    }

    public static class DriftRepository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;
        private AlertCatcher sink;

        @Override
        public Map<String, String> start() {
            sink = AlertCatcher.start(ALERTS);
            String sampled = "drift: {window: " + WINDOW + ", sample_rate: 1}\n";
            repository = ModelRepositoryFixture.temporary("quiver-drift")
                    .withDigits("digits_heldout", 1).withDigitsBaseline("digits_heldout", 1)
                    .withConfig("digits_heldout", "config.yaml", sampled)
                    .withDigits("digits_inverted", 1).withDigitsBaseline("digits_inverted", 1)
                    .withConfig("digits_inverted", "config.yaml", sampled)
                    .withDigits("digits_without_baseline", 1)
                    .withDigits("digits_misconfigured", 1).withDigitsBaseline("digits_misconfigured", 1)
                    .withConfig("digits_misconfigured", "config.yaml", "drift: {window: 5, sample_rate: 2}\n");
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
