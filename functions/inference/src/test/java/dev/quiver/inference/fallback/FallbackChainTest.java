package dev.quiver.inference.fallback;

import static dev.quiver.inference.fixtures.VersionStates.awaitState;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.AlertCatcher;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Deadlines, fallback chains and output checks at serving time, with real ONNX models: a slow one (a Loop that takes
 * far longer than its timeout), ones whose answers leave their declared range, and chains of every kind of step.
 */
@QuarkusTest
@WithTestResource(FallbackChainTest.ChainRepository.class)
class FallbackChainTest {

    /** Loop iterations of the slow model: well over its 30 ms timeout on any machine the tests run on. */
    static final long SLOW = 200_000;
    static final ConcurrentLinkedQueue<String> ALERTS = new ConcurrentLinkedQueue<>();

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @Test
    void aRequestPastItsModelsTimeoutGetsA504() {
        awaitState("slow_alone", "1", "READY");
        Response answer = infer("slow_alone", x(1, 1), Map.of());
        assertThat(answer.statusCode()).isEqualTo(504);
        assertThat(answer.jsonPath().getString("error"))
                .isEqualTo("model slow_alone version 1 did not answer within 30 ms");
        assertThat(counter("quiver_inference_deadline_exceeded_total", "model", "slow_alone")).isPositive();
        // its run was stopped at the deadline rather than left to loop on for no one
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(counter(
                "quiver_inference_deadline_stopped_total", "model", "slow_alone", "version", "1")).isPositive());
        assertThat(counter("quiver_inference_fallbacks_total", "model", "slow_alone", "reason", "timeout",
                "answered_by", "none")).isZero();
    }

    @Test
    void callersMayAskForLessTimeNeverMore() {
        awaitState("slow", "1", "READY");
        assertThat(infer("slow", x(1, 1), Map.of("Quiver-Timeout-Ms", "20")).statusCode()).isEqualTo(504);
        Response parameter = given().contentType("application/json").body("""
                {"parameters": {"timeout_ms": 20},
                 "inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 1, 1, 1]}]}""")
                .post("/v2/models/slow/infer");
        assertThat(parameter.statusCode()).isEqualTo(504);
        assertThat(parameter.jsonPath().getString("error")).isEqualTo("model slow version 1 did not answer within "
                + "20 ms");
        // the model's own 30 ms holds against a caller asking for a minute
        assertThat(infer("slow_alone", x(1, 1), Map.of("Quiver-Timeout-Ms", "60000")).statusCode()).isEqualTo(504);

        Response refused = infer("slow", x(1, 1), Map.of("Quiver-Timeout-Ms", "soon"));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.jsonPath().getString("error")).isEqualTo("Quiver-Timeout-Ms: expected a number of "
                + "milliseconds above 0 and at most 600000, got \"soon\"");
        Response badParameter = given().contentType("application/json").body("""
                {"parameters": {"timeout_ms": "soon"},
                 "inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 1, 1, 1]}]}""")
                .post("/v2/models/slow/infer");
        assertThat(badParameter.statusCode()).isEqualTo(400);
        assertThat(badParameter.jsonPath().getString("error")).startsWith("parameters.timeout_ms: expected");
    }

    @Test
    void aRequestWhoseDeadlinePassesInTheQueueIsDroppedBeforeItRuns() {
        awaitState("slow_single", "1", "READY");
        double before = counter("quiver_inference_deadline_dropped_total", "model", "slow_single", "version", "1");
        // three requests without a deadline keep the model's one instance busy, one run each (no batching); requests
        // with a 5 ms deadline sent meanwhile wait behind them, and are dropped when their turn comes
        List<CompletableFuture<Response>> busy = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            busy.add(CompletableFuture.supplyAsync(() -> infer("slow_single", x(1, 1), Map.of())));
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            assertThat(infer("slow_single", x(1, 2), Map.of("Quiver-Timeout-Ms", "5")).statusCode()).isEqualTo(504);
            return counter("quiver_inference_deadline_dropped_total", "model", "slow_single", "version", "1")
                    > before;
        });
        assertThat(busy).allSatisfy(request -> assertThat(request.join().statusCode()).isEqualTo(200));
    }

    @Test
    void aTimeoutIsAnsweredByAnotherModelAndSaysSo() {
        awaitState("slow_chain", "1", "READY");
        awaitState("quick", "1", "READY");
        Response answer = infer("slow_chain", x(2, 1), Map.of());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.header("Quiver-Fallback")).isEqualTo("reason=timeout; answered-by=\"model quick version 1\"");
        JsonPath json = answer.jsonPath();
        assertThat(json.getString("model_name")).isEqualTo("slow_chain");
        assertThat(json.getString("parameters.fallback.reason")).isEqualTo("timeout");
        assertThat(json.getString("parameters.fallback.answered_by")).isEqualTo("model quick version 1");
        assertThat(json.getList("outputs[0].shape", Integer.class)).containsExactly(2, 4);
        assertThat(json.getList("outputs[0].data", Float.class)).containsOnly(1001f);
        assertThat(counter("quiver_inference_fallbacks_total", "model", "slow_chain", "reason", "timeout",
                "answered_by", "model")).isPositive();
    }

    @Test
    void aTimeoutIsAnsweredByDefaultOutputsForEveryItem() {
        awaitState("slow_defaults", "1", "READY");
        Response answer = infer("slow_defaults", x(3, 1), Map.of());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.header("Quiver-Fallback")).isEqualTo("reason=timeout; answered-by=\"default_outputs\"");
        assertThat(answer.jsonPath().getList("outputs[0].shape", Integer.class)).containsExactly(3, 4);
        assertThat(answer.jsonPath().getList("outputs[0].data", Float.class))
                .containsExactly(7f, 8f, 9f, 10f, 7f, 8f, 9f, 10f, 7f, 8f, 9f, 10f);
    }

    @Test
    void predictAndCloudEventRepliesSayWhenTheChainAnswered() {
        awaitState("slow_defaults", "1", "READY");
        awaitState("keyed", "1", "READY");
        awaitState("quick", "1", "READY");
        Response predict = given().contentType("application/json")
                .body("{\"model\": \"slow_defaults\", \"instances\": [[1, 1, 1, 1], [2, 2, 2, 2]]}")
                .post("/predict");
        assertThat(predict.statusCode()).isEqualTo(200);
        assertThat(predict.header("Quiver-Fallback")).isEqualTo("reason=timeout; answered-by=\"default_outputs\"");
        assertThat(predict.jsonPath().getString("fallback.reason")).isEqualTo("timeout");
        assertThat(predict.jsonPath().getString("fallback.answered_by")).isEqualTo("default_outputs");
        assertThat(predict.jsonPath().getList("predictions[1]", Float.class)).containsExactly(7f, 8f, 9f, 10f);

        Response predictEvent = given().header("ce-specversion", "1.0").header("ce-id", "predict-1")
                .header("ce-source", "/test/fallback").header("ce-type", "predict").contentType("application/json")
                .body("{\"model\": \"keyed\", \"instances\": [{\"x\": [500, 0, 0, 0], \"id\": [7]}]}")
                .post("/predict");
        assertThat(predictEvent.statusCode()).as(predictEvent.asString()).isEqualTo(200);
        assertThat(predictEvent.jsonPath().getString("fallback.reason")).as(predictEvent.asString())
                .isEqualTo("output-check");
        assertThat(predictEvent.jsonPath().getString("fallback.answered_by")).isEqualTo("answers");

        Response byModel = given().contentType("application/json")
                .body("{\"model\": \"quick\", \"instances\": [[1, 1, 1, 1]]}").post("/predict");
        assertThat(byModel.statusCode()).isEqualTo(200);
        assertThat(byModel.header("Quiver-Fallback")).isNull();
        assertThat(byModel.jsonPath().getMap("$")).doesNotContainKey("fallback");

        String event = """
                {"model": "%s", "inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 1, 1, 1]}]}""";
        Response reply = given().header("ce-specversion", "1.0").header("ce-id", "fallback-1")
                .header("ce-source", "/test/fallback").header("ce-type", "dev.quiver.inference.requested")
                .contentType("application/json").body(event.formatted("slow_defaults")).post("/");
        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.header("ce-type")).isEqualTo("dev.quiver.inference.completed");
        assertThat(reply.header("ce-fallbackreason")).isEqualTo("timeout");
        assertThat(reply.header("ce-fallbackansweredby")).isEqualTo("default_outputs");
        assertThat(reply.jsonPath().getList("outputs[0].data", Float.class)).containsExactly(7f, 8f, 9f, 10f);

        Response modelReply = given().header("ce-specversion", "1.0").header("ce-id", "fallback-2")
                .header("ce-source", "/test/fallback").header("ce-type", "dev.quiver.inference.requested")
                .contentType("application/json").body(event.formatted("quick")).post("/");
        assertThat(modelReply.statusCode()).isEqualTo(200);
        assertThat(modelReply.header("ce-fallbackreason")).isNull();
        assertThat(modelReply.header("ce-fallbackansweredby")).isNull();
    }

    @Test
    void anAnswerOutOfItsRangeIsAnsweredByKeyThenByDefault() {
        awaitState("keyed", "1", "READY");
        String body = """
                {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [%s, 0, 0, 0]},
                            {"name": "id", "shape": [1, 1], "datatype": "INT64", "data": [%d]}]}""";
        Response inRange = given().contentType("application/json").body(body.formatted("1", 7))
                .post("/v2/models/keyed/infer");
        assertThat(inRange.statusCode()).isEqualTo(200);
        assertThat(inRange.header("Quiver-Fallback")).isNull();
        assertThat(inRange.jsonPath().getList("outputs[0].data", Float.class)).containsExactly(2f, 1f, 1f, 1f);

        Response byKey = given().contentType("application/json").body(body.formatted("500", 7))
                .post("/v2/models/keyed/infer");
        assertThat(byKey.statusCode()).isEqualTo(200);
        assertThat(byKey.header("Quiver-Fallback")).isEqualTo("reason=output-check; answered-by=\"answers\"");
        assertThat(byKey.jsonPath().getList("outputs[0].data", Float.class)).containsExactly(70f, 71f, 72f, 73f);

        Response byDefault = given().contentType("application/json").body(body.formatted("500", 8))
                .post("/v2/models/keyed/infer");
        assertThat(byDefault.statusCode()).isEqualTo(200);
        assertThat(byDefault.header("Quiver-Fallback")).isEqualTo(
                "reason=output-check; answered-by=\"default_outputs\"");
        assertThat(byDefault.jsonPath().getList("outputs[0].data", Float.class)).containsExactly(0f, 0f, 0f, 0f);
        assertThat(counter("quiver_inference_output_check_failures_total", "model", "keyed", "version", "1"))
                .isGreaterThanOrEqualTo(2);
        assertThat(counter("quiver_inference_fallbacks_total", "model", "keyed", "reason", "output-check",
                "answered_by", "answers")).isPositive();
        assertThat(counter("quiver_inference_fallbacks_total", "model", "keyed", "reason", "output-check",
                "answered_by", "default_outputs")).isPositive();
    }

    @Test
    void aNewVersionFailingItsChecksIsAnsweredByThePreviousOne() {
        awaitState("pv", "1", "READY");
        new ModelRepositoryFixture(root).withFile("pv", "2/validation/validation.json",
                        "{\"outputs\": {\"y\": {\"max\": 60}}}")
                .withModel("pv", 2, OnnxModels.addConstant(50));
        awaitState("pv", "2", "READY");
        JsonPath standby = awaitState("pv", "1", "READY");
        assertThat(standby.getString("reason")).isEqualTo("kept loaded as the previous_version fallback of version 2");

        Response inRange = infer("pv", x(1, 1), Map.of());
        assertThat(inRange.jsonPath().getString("model_version")).isEqualTo("2");
        assertThat(inRange.jsonPath().getList("outputs[0].data", Float.class)).containsOnly(51f);

        Response fallback = infer("pv", x(1, 20), Map.of());
        assertThat(fallback.statusCode()).isEqualTo(200);
        assertThat(fallback.header("Quiver-Fallback")).isEqualTo(
                "reason=output-check; answered-by=\"previous_version 1\"");
        assertThat(fallback.jsonPath().getList("outputs[0].data", Float.class)).containsOnly(21f);
    }

    @Test
    void aVersionFailingItsChecksTooOftenIsTakenOutOfServiceWithAnAlert() {
        awaitState("flaky", "1", "READY");
        assertThat(infer("flaky", x(1, 1), Map.of()).statusCode()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            Response failed = infer("flaky", x(1, 500), Map.of());
            assertThat(failed.statusCode()).isEqualTo(500);
            assertThat(failed.jsonPath().getString("error")).isEqualTo("model flaky version 1 gave an answer that "
                    + "failed its output checks: output y holds 501.0 at element 0, above its max 100.0");
        }
        Response out = infer("flaky", x(1, 1), Map.of());
        assertThat(out.statusCode()).isEqualTo(503);
        JsonPath version = awaitState("flaky", "1", "FAILED");
        assertThat(version.getString("reason")).isEqualTo("taken out of service: 3 of its last 5 answers failed the "
                + "output checks, the last: output y holds 501.0 at element 0, above its max 100.0");
        assertThat(version.getList("history.state")).containsExactly("LOADING", "READY", "FAILED");
        await().atMost(Duration.ofSeconds(10)).until(() -> !ALERTS.isEmpty());
        assertThat(ALERTS.peek()).startsWith("dev.quiver.inference.version.alert.raised {")
                .contains("\"model\":\"flaky\"").contains("\"modelVersion\":\"1\"").contains("\"failures\":3")
                .contains("\"window\":5");
    }

    @Test
    void chainsThatCannotWorkAreRefusedAtLoad() {
        awaitState("cycle_a", "1", "READY");
        assertThat(given().get("/v2/models/cycle_a").jsonPath().getString("fallback_error")).isEqualTo(
                "fallback[0].model: the chain comes back to cycle_a (cycle_a -> cycle_b -> cycle_a)");
        awaitState("misfit_chain", "1", "READY");
        assertThat(given().get("/v2/models/misfit_chain").jsonPath().getString("fallback_error")).isEqualTo(
                "fallback[0].model: model sum_and_product needs input a FP32[-1, 2], which this model's inputs "
                        + "[x FP32[-1, 4]] do not give");
        JsonPath badDefaults = awaitState("bad_defaults", "1", "FAILED");
        assertThat(badDefaults.getString("reason")).isEqualTo("fallback chain refused: fallback[0].default_outputs "
                + "defaults.json: output y needs 4 values per item (shape [-1, 4]), got 2 values");
    }

    private static Response infer(String model, String inputs, Map<String, String> headers) {
        return given().contentType("application/json").headers(headers).body("{\"inputs\": [" + inputs + "]}")
                .post("/v2/models/" + model + "/infer");
    }

    /** Input x of {@code items} rows of four {@code value}s. */
    private static String x(int items, float value) {
        String row = (value + ",").repeat(4);
        String data = row.repeat(items);
        return "{\"name\": \"x\", \"shape\": [" + items + ", 4], \"datatype\": \"FP32\", \"data\": ["
                + data.substring(0, data.length() - 1) + "]}";
    }

    /** The value of the counter with these labels (in any order), 0 when it is not exposed. */
    static double counter(String name, String... labels) {
        for (String line : Metrics.scrape().lines().toList()) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= Pattern.compile("[{,]" + labels[i] + "=\"" + Pattern.quote(labels[i + 1]) + "\"")
                        .matcher(line).find();
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    public static class ChainRepository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;
        private AlertCatcher sink;

        @Override
        public Map<String, String> start() {
            sink = AlertCatcher.start(ALERTS);
            String defaults = "{\"outputs\": {\"y\": [7, 8, 9, 10]}}";
            String ranged = "{\"outputs\": {\"y\": {\"max\": 100}}}";
            repository = ModelRepositoryFixture.temporary("quiver-chains")
                    .withModel("slow_alone", 1, OnnxModels.slow(SLOW))
                    .withConfig("slow_alone", "config.yaml", "timeout_ms: 30\nmax_batch_size: 4\n")
                    .withModel("slow", 1, OnnxModels.slow(SLOW))
                    .withConfig("slow", "config.yaml", "max_batch_size: 4\n")
                    .withModel("slow_single", 1, OnnxModels.slow(SLOW))
                    .withConfig("slow_single", "config.yaml", "max_batch_size: 0\n")
                    .withModel("quick", 1, OnnxModels.addConstant(1000))
                    .withModel("slow_chain", 1, OnnxModels.slow(SLOW))
                    .withFile("slow_chain", "defaults.json", defaults)
                    .withConfig("slow_chain", "config.yaml", """
                            timeout_ms: 30
                            max_batch_size: 4
                            fallback: [{model: quick}, {default_outputs: defaults.json}]
                            """)
                    .withModel("slow_defaults", 1, OnnxModels.slow(SLOW))
                    .withFile("slow_defaults", "defaults.json", defaults)
                    .withConfig("slow_defaults", "config.yaml", """
                            timeout_ms: 30
                            max_batch_size: 4
                            fallback: [{default_outputs: defaults.json}]
                            """)
                    .withFile("keyed", "1/validation/validation.json", ranged)
                    .withFile("keyed", "answers.json", "{\"answers\": {\"7\": {\"y\": [70, 71, 72, 73]}}}")
                    .withFile("keyed", "defaults.json", "{\"outputs\": {\"y\": [0, 0, 0, 0]}}")
                    .withModel("keyed", 1, OnnxModels.addConstantWithId(1))
                    .withConfig("keyed", "config.yaml", """
                            fallback: [{answers: answers.json, key: id}, {default_outputs: defaults.json}]
                            output_checks: {failures: 1000, window: 1000}
                            """)
                    .withModel("pv", 1, OnnxModels.addConstant(1))
                    .withConfig("pv", "config.yaml", "fallback: [previous_version]\n")
                    .withFile("flaky", "1/validation/validation.json", ranged)
                    .withModel("flaky", 1, OnnxModels.addConstant(1))
                    .withConfig("flaky", "config.yaml", "output_checks: {failures: 3, window: 5}\n")
                    .withModel("cycle_a", 1, OnnxModels.addConstant(1))
                    .withConfig("cycle_a", "config.yaml", "fallback: [{model: cycle_b}]\n")
                    .withModel("cycle_b", 1, OnnxModels.addConstant(2))
                    .withConfig("cycle_b", "config.yaml", "fallback: [{model: cycle_a}]\n")
                    .withModel("sum_and_product", 1, OnnxModels.sumAndProduct())
                    .withModel("misfit_chain", 1, OnnxModels.addConstant(1))
                    .withConfig("misfit_chain", "config.yaml", "fallback: [{model: sum_and_product}]\n")
                    .withFile("bad_defaults", "defaults.json", "{\"outputs\": {\"y\": [1, 2]}}")
                    .withModel("bad_defaults", 1, OnnxModels.addConstant(1))
                    .withConfig("bad_defaults", "config.yaml", "fallback: [{default_outputs: defaults.json}]\n");
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
