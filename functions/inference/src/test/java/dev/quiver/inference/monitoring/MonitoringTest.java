package dev.quiver.inference.monitoring;

import static dev.quiver.inference.fixtures.VersionStates.awaitState;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.AlertCatcher;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import dev.quiver.inference.rollout.Tally;
import dev.quiver.testservices.TestRedis;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * Monitoring of served versions with real ONNX models, real HTTP and the tests' real Redis: a model that answers the
 * same to everything raises {@code constant-output} once and a model that does not raises nothing; labels joined to
 * their answers give live accuracy and raise {@code accuracy}; a label joins an answer another replica kept in Redis;
 * ages since training and since serving, and {@code stale}. Alerts are captured at a real HTTP sink.
 */
@QuarkusTest
@WithTestResource(MonitoringTest.MonitoredRepository.class)
class MonitoringTest {

    static final ConcurrentLinkedQueue<String> ALERTS = new ConcurrentLinkedQueue<>();
    static final String REDIS = TestRedis.shared().uri();
    static final int WINDOW = 20;

    @Inject
    LiveAccuracySignal accuracy;

    @Test
    void aModelThatAnswersTheSameToEverythingRaisesConstantOutputOnce() {
        awaitState("constant", "1", "READY");
        awaitState("varied", "1", "READY");
        for (int request = 0; request < 6; request++) {
            // four items per request, each with its highest value at another column: varied answers differ
            assertThat(infer("constant", oneHotRows(request)).statusCode()).isEqualTo(200);
            assertThat(infer("varied", oneHotRows(request)).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts("constant", "constant-output").size() == 1);
        JsonPath constant = monitoring("constant", "1");
        assertThat(constant.getString("predictions.kind")).isEqualTo("classifier");
        assertThat(constant.getInt("predictions.items")).isEqualTo(WINDOW);
        assertThat(constant.getLong("predictions.total")).isEqualTo(24);
        assertThat(constant.getBoolean("predictions.constant")).isTrue();
        assertThat(constant.getMap("predictions.classes")).containsExactly(Map.entry("0", WINDOW));
        JsonPath varied = monitoring("varied", "1");
        assertThat(varied.getBoolean("predictions.constant")).isFalse();
        assertThat(varied.getMap("predictions.classes")).containsOnlyKeys("0", "1", "2", "3");
        assertThat(Metrics.value(Metrics.scrapeOnceExposed("quiver_model_prediction_class_items{class=\"0\","
                        + "model=\"constant\",version=\"1\"}"),
                "quiver_model_prediction_class_items{class=\"0\",model=\"constant\",version=\"1\"}"))
                .isEqualTo(WINDOW);

        // the finding holds: more of the same and several checks later, still the one alert
        for (int request = 0; request < 6; request++) {
            infer("constant", oneHotRows(request));
        }
        sleepChecks();
        assertThat(alerts("constant", "constant-output")).hasSize(1);
        assertThat(alerts("constant", "constant-output").getFirst())
                .contains("\"reason\":\"the latest 20 predicted items were all class 0\"");
        assertThat(alerts("varied", null)).isEmpty();
    }

    @Test
    void predictedClassesThatMoveBetweenWindowsRaiseAPredictionShift() {
        awaitState("shifting", "1", "READY");
        for (int request = 0; request < 5; request++) {
            assertThat(infer("shifting", oneHotRows(request)).statusCode()).isEqualTo(200);
        }
        // the first full window, every class alike, is what the next is compared with
        awaitWindowChecked("shifting", WINDOW);
        assertThat(alerts("shifting", null)).isEmpty();
        for (int request = 0; request < 5; request++) {
            // from now on only classes 0 and 1
            assertThat(infer("shifting", "[5,0,0,0, 0,5,0,0, 5,0,0,0, 0,5,0,0]").statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts("shifting", "prediction-shift").size() == 1);
        JsonPath report = monitoring("shifting", "1");
        assertThat(report.getDouble("predictions.shift")).isGreaterThan(0.2);
        assertThat(report.getDouble("predictions.max_prediction_shift")).isEqualTo(0.2);
        assertThat(alerts("shifting", "prediction-shift").getFirst()).contains("now {0=10, 1=10}");
        assertThat(alerts("shifting", "constant-output")).isEmpty();
    }

    @Test
    void labelsGiveLiveAccuracyAndRaiseAnAccuracyAlert() {
        awaitState("labelled", "1", "READY");
        String run = UUID.randomUUID().toString();
        for (int row = 0; row < 10; row++) {
            String id = run + "-" + row;
            Response answer = given().contentType("application/json").header("X-Request-Id", id)
                    .body(digitsRequest(row)).post("/v2/models/labelled/infer");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.header("X-Request-Id")).isEqualTo(id);
            int predicted = Digits.argmax(answer.jsonPath().getList("outputs[0].data", Float.class));
            // half right, half wrong
            int label = row % 2 == 0 ? predicted : (predicted + 1) % 10;
            assertThat(label("labelled", id, Integer.toString(label), "label-" + id).statusCode()).isEqualTo(202);
        }
        JsonPath report = monitoring("labelled", "1");
        assertThat(report.getInt("labels.labelled")).isEqualTo(10);
        assertThat(report.getDouble("labels.accuracy")).isEqualTo(0.5);
        assertThat(report.getDouble("labels.min_accuracy")).isEqualTo(0.9);
        assertThat(report.getString("answers_kept")).startsWith("Redis at ");
        assertThat(accuracy.tally("labelled", 1)).as("what a rollout's accuracy criterion judges")
                .contains(new Tally(5, 10));
        String scrape = Metrics.scrape();
        assertThat(Metrics.value(scrape, "quiver_model_live_accuracy{model=\"labelled\",version=\"1\"}"))
                .isEqualTo(0.5);
        assertThat(Metrics.value(scrape,
                "quiver_model_labels_total{model=\"labelled\",outcome=\"correct\",version=\"1\"}")).isEqualTo(5);
        assertThat(Metrics.value(scrape,
                "quiver_model_labels_total{model=\"labelled\",outcome=\"wrong\",version=\"1\"}")).isEqualTo(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts("labelled", "accuracy").size() == 1);
        assertThat(alerts("labelled", "accuracy").getFirst()).contains("\"measured\":0.5").contains("\"threshold\":0.9");

        // the same label event again changes nothing; another label for the same answer is a duplicate
        String first = run + "-0";
        assertThat(label("labelled", first, "3", "label-" + first).statusCode()).isEqualTo(202);
        assertThat(label("labelled", first, "3", "another-" + first).statusCode()).isEqualTo(202);
        assertThat(monitoring("labelled", "1").getInt("labels.labelled")).isEqualTo(10);
        scrape = Metrics.scrape();
        assertThat(Metrics.value(scrape,
                "quiver_model_labels_total{model=\"labelled\",outcome=\"duplicate\",version=\"_none\"}")).isEqualTo(1);
        sleepChecks();
        assertThat(alerts("labelled", "accuracy")).hasSize(1);
    }

    @Test
    void aRegressorHasQuantilesAndAMeanAbsoluteError() {
        awaitState("sums", "1", "READY");
        String run = UUID.randomUUID().toString();
        for (int row = 1; row <= 4; row++) {
            String id = run + "-" + row;
            Response answer = given().contentType("application/json").header("X-Request-Id", id)
                    .body("{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": ["
                            + row + ", " + row + ", 0, 0]}]}")
                    .post("/v2/models/sums/infer");
            assertThat(answer.jsonPath().getList("outputs[0].data", Float.class)).containsExactly(2f * row);
            // every label one off: a mean absolute error of 1
            assertThat(label("sums", id, Integer.toString(2 * row + 1), "label-" + id).statusCode())
                    .isEqualTo(202);
        }
        JsonPath report = monitoring("sums", "1");
        assertThat(report.getString("predictions.kind")).isEqualTo("regressor");
        assertThat(report.getDouble("predictions.mean")).isEqualTo(5.0);
        assertThat(report.getDouble("predictions.quantiles.'0.5'")).isEqualTo(5.0);
        assertThat(report.getDouble("predictions.quantiles.'0.05'")).isEqualTo(2.0);
        assertThat(report.getDouble("labels.mean_absolute_error")).isEqualTo(1.0);
        assertThat(report.getString("labels.accuracy")).isNull();
        assertThat(Metrics.value(Metrics.scrape(), "quiver_model_live_mae{model=\"sums\",version=\"1\"}"))
                .isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts("sums", "accuracy").size() == 1);
        assertThat(alerts("sums", "accuracy").getFirst()).contains("mean absolute error 1.0 over the latest 4 "
                + "labelled items is above the max_mae of 0.5");
    }

    @Test
    void aLabelForNoKnownAnswerIsANoOpAndABrokenLabelIsA400NamingTheField() {
        awaitState("digits", "1", "READY");
        double before = Metrics.value(Metrics.scrape(),
                "quiver_model_labels_total{model=\"digits\",outcome=\"unmatched\",version=\"_none\"}");
        assertThat(label("digits", "never-answered", "3", UUID.randomUUID().toString()).statusCode()).isEqualTo(202);
        assertThat(Metrics.value(Metrics.scrape(),
                "quiver_model_labels_total{model=\"digits\",outcome=\"unmatched\",version=\"_none\"}"))
                .isEqualTo(before + 1);

        Response text = label("digits", "never-answered", "\"cat\"", UUID.randomUUID().toString());
        assertThat(text.statusCode()).isEqualTo(400);
        assertThat(text.jsonPath().getString("error")).isEqualTo("label: expected a number (a class index or a "
                + "value) or an array of them, one per item, got \"cat\"");
        Response noId = event(UUID.randomUUID().toString(), "{\"model\": \"digits\", \"label\": 3}");
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(noId.jsonPath().getString("error")).contains("inferenceId");
        Response output = event(UUID.randomUUID().toString(),
                "{\"model\": \"digits\", \"inferenceId\": \"x\", \"output\": \"probabilities\", \"label\": 3}");
        assertThat(output.statusCode()).isEqualTo(400);
        assertThat(output.jsonPath().getString("error")).isEqualTo("output: only the first output of model digits, "
                + "\"output\", is monitored; got \"probabilities\"");
    }

    @Test
    void aLabelJoinsAnAnswerKeptByAnotherReplicaThroughRedis() throws Exception {
        awaitState("digits", "1", "READY");
        try (RedisAnswerStore otherReplica = new RedisAnswerStore(REDIS, Duration.ofMinutes(5),
                Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> otherReplica.lost() == 0
                    && otherReplica.claim("digits", "warm-" + UUID.randomUUID(), "x").toCompletableFuture().get()
                    .outcome() == LabelMatch.Outcome.UNMATCHED);
            // a prediction this replica answered is labelled on the other
            String id = "a-" + UUID.randomUUID();
            Response answer = given().contentType("application/json").header("X-Request-Id", id)
                    .body(digitsRequest(3)).post("/v2/models/digits/infer");
            int predicted = Digits.argmax(answer.jsonPath().getList("outputs[0].data", Float.class));
            // this replica sends its answers to Redis every 5 ms
            LabelMatch match = await().atMost(Duration.ofSeconds(5)).until(() -> otherReplica.claim("digits", id,
                    "label-on-b").toCompletableFuture().get(), found -> found.outcome() == LabelMatch.Outcome.MATCHED);
            assertThat(match.answer()).isEqualTo(new Answer(1, PredictionKind.CLASSIFIER, new double[] {predicted}));

            // a prediction the other replica answered is labelled on this one
            String theirs = "b-" + UUID.randomUUID();
            otherReplica.remember("digits", theirs, new Answer(1, PredictionKind.CLASSIFIER, new double[] {4, 7}));
            double correct = Metrics.value(Metrics.scrape(),
                    "quiver_model_labels_total{model=\"digits\",outcome=\"correct\",version=\"1\"}");
            double wrong = Metrics.value(Metrics.scrape(),
                    "quiver_model_labels_total{model=\"digits\",outcome=\"wrong\",version=\"1\"}");
            await().atMost(Duration.ofSeconds(5)).until(() -> label("digits", theirs, "[4, 2]",
                    "label-" + theirs).statusCode() == 202 && Metrics.value(Metrics.scrape(),
                    "quiver_model_labels_total{model=\"digits\",outcome=\"correct\",version=\"1\"}") == correct + 1);
            assertThat(Metrics.value(Metrics.scrape(),
                    "quiver_model_labels_total{model=\"digits\",outcome=\"wrong\",version=\"1\"}"))
                    .isEqualTo(wrong + 1);
            // one label per item of the answer
            String mismatched = "c-" + UUID.randomUUID();
            otherReplica.remember("digits", mismatched, new Answer(1, PredictionKind.CLASSIFIER, new double[] {4, 7}));
            await().atMost(Duration.ofSeconds(5)).until(() -> label("digits", mismatched, "4",
                    UUID.randomUUID().toString()).statusCode() == 400);
            Response refused = label("digits", mismatched, "4", UUID.randomUUID().toString());
            assertThat(refused.jsonPath().getString("error")).isEqualTo("label: inference " + mismatched
                    + " answered 2 items; expected an array of 2 labels, one per item");
            assertThat(label("digits", mismatched, "[4, 7]", UUID.randomUUID().toString()).statusCode())
                    .isEqualTo(202);
        }
    }

    @Test
    void aModelThatTakesNoLabelsKeepsNoAnswersAndALabelForItIsRefused() throws Exception {
        awaitState("varied", "1", "READY");
        awaitState("digits", "1", "READY");
        try (RedisAnswerStore otherReplica = new RedisAnswerStore(REDIS, Duration.ofMinutes(5),
                Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1))) {
            String unkept = "v-" + UUID.randomUUID();
            given().contentType("application/json").header("X-Request-Id", unkept)
                    .body("{\"inputs\": [{\"name\": \"x\", \"shape\": [4, 4], \"datatype\": \"FP32\", \"data\": "
                            + oneHotRows(0) + "}]}")
                    .post("/v2/models/varied/infer").then().statusCode(200);
            // answers reach Redis in the order they were given: once a later one is there, the first would be too
            String kept = "d-" + UUID.randomUUID();
            given().contentType("application/json").header("X-Request-Id", kept).body(digitsRequest(2))
                    .post("/v2/models/digits/infer").then().statusCode(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> otherReplica.claim("digits", kept, "probe")
                    .toCompletableFuture().get().outcome() == LabelMatch.Outcome.MATCHED);
            assertThat(otherReplica.claim("varied", unkept, "probe").toCompletableFuture().get().outcome())
                    .isEqualTo(LabelMatch.Outcome.UNMATCHED);
        }
        Response refused = label("varied", "v-any", "3", UUID.randomUUID().toString());
        assertThat(refused.statusCode()).as("a label that can never be joined is not retried").isEqualTo(400);
        assertThat(refused.jsonPath().getString("error")).isEqualTo("model: varied keeps no answers to join labels "
                + "to; set monitoring: {labels: true} (or min_accuracy, max_mae) in its config.yaml");
    }

    @Test
    void aCloudEventAnswerIsLabelledByTheEventsId() {
        awaitState("digits", "1", "READY");
        String eventId = "event-" + UUID.randomUUID();
        Response answer = given().header("ce-specversion", "1.0").header("ce-id", eventId)
                .header("ce-source", "/tests/monitoring").header("ce-type", "dev.quiver.inference.requested")
                .contentType("application/json").body("{\"model\": \"digits\", " + digitsRequest(5).substring(1))
                .post("/");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.header("ce-correlationid")).isEqualTo(eventId);
        int predicted = Digits.argmax(answer.jsonPath().getList("outputs[0].data", Float.class));
        double correct = Metrics.value(Metrics.scrape(),
                "quiver_model_labels_total{model=\"digits\",outcome=\"correct\",version=\"1\"}");
        assertThat(label("digits", eventId, Integer.toString(predicted), "label-" + eventId).statusCode())
                .isEqualTo(202);
        assertThat(Metrics.value(Metrics.scrape(),
                "quiver_model_labels_total{model=\"digits\",outcome=\"correct\",version=\"1\"}"))
                .isEqualTo(correct + 1);
    }

    @Test
    void agesSinceTrainingAndServingAndAStaleAlertOnce() {
        awaitState("old", "1", "READY");
        awaitState("fresh", "1", "READY");
        awaitState("varied", "1", "READY");
        String old = "quiver_model_age_seconds{model=\"old\",since=\"trained\",version=\"1\"}";
        double trained = Metrics.value(Metrics.scrapeOnceExposed(old), old);
        assertThat(trained).isGreaterThan(Duration.between(Instant.parse("2020-01-01T00:00:00Z"), Instant.now())
                .toSeconds() - 60.0);
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts("old", "stale").size() == 1);
        assertThat(alerts("old", "stale").getFirst()).contains("trained_at 2020-01-01T00:00:00Z")
                .contains("\"threshold\":2592000.0");
        JsonPath report = monitoring("old", "1");
        assertThat(report.getString("age.trained_at")).isEqualTo("2020-01-01T00:00:00Z");
        assertThat(report.getBoolean("age.stale")).isTrue();
        assertThat(report.getString("age.max_age")).isEqualTo("PT720H");
        assertThat(report.getDouble("age.serving_seconds")).isBetween(0.0, 600.0);

        JsonPath fresh = monitoring("fresh", "1");
        assertThat(fresh.getBoolean("age.stale")).isFalse();
        assertThat(fresh.getDouble("age.trained_seconds")).isBetween(0.0, 7200.0);
        // no baseline.json: the age since training is unknown, so it has no gauge; serving has one
        String scrape = Metrics.scrapeOnceExposed("quiver_model_age_seconds{model=\"varied\",since=\"serving\"");
        assertThat(scrape).doesNotContain("quiver_model_age_seconds{model=\"varied\",since=\"trained\"");
        assertThat(monitoring("varied", "1").getString("age.trained_at")).isNull();
        sleepChecks();
        assertThat(alerts("old", "stale")).hasSize(1);
        assertThat(alerts("fresh", null)).isEmpty();
    }

    @Test
    void theEndpointNamesAnUnknownModelOrVersion() {
        awaitState("varied", "1", "READY");
        Response model = given().get("/v2/models/nothing/versions/1/monitoring");
        assertThat(model.statusCode()).isEqualTo(404);
        assertThat(model.jsonPath().getString("error")).startsWith("model \"nothing\" not found");
        Response version = given().get("/v2/models/varied/versions/9/monitoring");
        assertThat(version.statusCode()).isEqualTo(404);
        assertThat(version.jsonPath().getString("error")).startsWith("model \"varied\" has no version \"9\"");
    }

    private static Response infer(String model, String data) {
        return given().contentType("application/json")
                .body("{\"inputs\": [{\"name\": \"x\", \"shape\": [4, 4], \"datatype\": \"FP32\", \"data\": " + data
                        + "}]}")
                .post("/v2/models/" + model + "/infer");
    }

    /** Four rows, each with its highest value at another column, shifted by {@code shift}. */
    private static String oneHotRows(int shift) {
        List<String> values = new ArrayList<>();
        for (int row = 0; row < 4; row++) {
            for (int column = 0; column < 4; column++) {
                values.add(column == (row + shift) % 4 ? "5" : "0");
            }
        }
        return values.toString();
    }

    private static String digitsRequest(int row) {
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": "
                + Digits.pixelsJson(row) + "}]}";
    }

    private static Response label(String model, String inferenceId, String label, String eventId) {
        return event(eventId, "{\"model\": \"" + model + "\", \"inferenceId\": \"" + inferenceId + "\", \"label\": "
                + label + "}");
    }

    private static Response event(String eventId, String data) {
        return given().header("ce-specversion", "1.0").header("ce-id", eventId)
                .header("ce-source", "/tests/labels").header("ce-type", "dev.quiver.inference.label")
                .contentType("application/json").body(data).post("/");
    }

    private static JsonPath monitoring(String model, String version) {
        Response response = given().get("/v2/models/" + model + "/versions/" + version + "/monitoring");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response.jsonPath();
    }

    /** The alerts of {@code kind} (any kind when null) about {@code model}, as the sink received them. */
    private static List<String> alerts(String model, String kind) {
        return ALERTS.stream()
                .filter(alert -> alert.startsWith("dev.quiver.model.alert.raised "))
                .filter(alert -> alert.contains("\"model\":\"" + model + "\""))
                .filter(alert -> kind == null || alert.contains("\"kind\":\"" + kind + "\""))
                .toList();
    }

    /**
     * Waits until a monitoring check has taken {@code items} predicted items of the model's window: the check sets the
     * window gauge from the summary it then compares, so the window it shows is the one the check goes on with.
     */
    private static void awaitWindowChecked(String model, int items) {
        String series = "quiver_model_prediction_window_items{model=\"" + model + "\",version=\"1\"}";
        await().atMost(Duration.ofSeconds(10)).until(() -> Metrics.value(Metrics.scrape(), series) == items);
    }

    /** Lets several monitoring checks go by (one every 100 ms here). */
    private static void sleepChecks() {
        try {
            Thread.sleep(600);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static class MonitoredRepository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;
        private AlertCatcher sink;

        @Override
        public Map<String, String> start() {
            sink = AlertCatcher.start(ALERTS);
            repository = ModelRepositoryFixture.temporary("quiver-monitoring")
                    .withModel("constant", 1, OnnxModels.constant(3))
                    .withModel("varied", 1, OnnxModels.addConstant(1))
                    .withDigits("digits", 1)
                    .withConfig("digits", "config.yaml", "monitoring: {labels: true}\n")
                    .withDigits("labelled", 1)
                    .withConfig("labelled", "config.yaml", "monitoring: {min_accuracy: 0.9, min_labels: 10}\n")
                    .withModel("shifting", 1, OnnxModels.addConstant(0))
                    .withConfig("shifting", "config.yaml", "monitoring: {max_prediction_shift: 0.2}\n")
                    .withModel("sums", 1, OnnxModels.rowSum(4))
                    .withConfig("sums", "config.yaml", "monitoring: {max_mae: 0.5, min_labels: 4}\n")
                    .withFile("old", "1/baseline.json", "{\"trained_at\": \"2020-01-01T00:00:00Z\", \"rows\": 10}")
                    .withModel("old", 1, OnnxModels.addConstant(1))
                    .withConfig("old", "config.yaml", "monitoring: {max_age: 30d}\n")
                    .withFile("fresh", "1/baseline.json", "{\"trained_at\": \"" + Instant.now() + "\"}")
                    .withModel("fresh", 1, OnnxModels.addConstant(1))
                    .withConfig("fresh", "config.yaml", "monitoring: {max_age: 30d}\n");
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.poll-interval", "200ms",
                    "quiver.inference.monitoring.window", Integer.toString(WINDOW),
                    "quiver.inference.monitoring.check-interval", "100ms",
                    "quiver.ratelimit.redis", REDIS,
                    "quiver.inference.alert-sink", sink.url());
        }

        @Override
        public void stop() {
            sink.close();
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
