package dev.quiver.inference.validation;

import static dev.quiver.inference.fixtures.VersionStates.awaitState;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The validity gate with real ONNX models: a version whose warm-up answers NaN, whose golden answers are wrong or out
 * of range, that answers every input alike, or that is over its latency limit is refused (FAILED, with the reason on
 * the metadata endpoint), and the version it was meant to replace keeps serving.
 */
@QuarkusTest
@WithTestResource(ValidityGateTest.GateRepository.class)
class ValidityGateTest {

    /** y = x + 1 on x in [0, 10]: golden answers, a range, and limits it keeps. */
    static final String VALIDATION = """
            {
              "max_latency_ms": {"batch_1": 10000, "max_batch": 10000},
              "max_memory_mb": 100000,
              "outputs": {"y": {"min": 0, "max": 20, "not_constant": true}},
              "golden": [
                {"inputs": {"x": {"shape": [1, 4], "data": [1, 2, 3, 4]}},
                 "outputs": {"y": {"data": [2, 3, 4, 5], "tolerance": 0.001}}},
                {"inputs": {"x": {"shape": [2, 4], "data": [0, 0, 0, 0, 9, 9, 9, 9]}},
                 "outputs": {"y": {"data": [1, 1, 1, 1, 10, 10, 10, 10]}}}
              ]
            }""";

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @Test
    void aVersionThatPassesShowsItsGateReport() {
        JsonPath version = awaitState("checked", "1", "READY");
        assertThat(version.getBoolean("gate.passed")).isTrue();
        assertThat(version.getList("gate.checks.name")).containsExactly("warm-up batch 1", "warm-up batch 32",
                "golden[0]", "golden[1]", "outputs.y.not_constant", "max_latency_ms.batch_1",
                "max_latency_ms.max_batch", "max_memory_mb");
        assertThat(version.getDouble("gate.latency_batch_1_ms")).isPositive();
        assertThat(version.getDouble("gate.latency_max_batch_ms")).isPositive();
        assertThat(version.getString("digest")).startsWith("sha256:").hasSize(7 + 64);
        assertThat(version.getString("loaded_at")).isNotBlank();
        assertThat(version.getList("history.state")).containsExactly("LOADING", "READY");
    }

    @Test
    void aModelAnsweringNaNOnItsWarmUpIsRefusedWithoutValidationFolder() {
        JsonPath version = awaitState("nan", "1", "FAILED");
        assertThat(version.getString("reason")).isEqualTo(
                "validity gate: warm-up batch 1 on zeros: output y holds NaN at element 0; "
                        + "warm-up batch 32 on zeros: output y holds NaN at element 0");
        given().get("/v2/models/nan/ready").then().statusCode(503);
    }

    @Test
    void aModelThatAnswersEveryInputAlikeIsRefused() {
        JsonPath version = awaitState("constant", "1", "FAILED");
        assertThat(version.getString("reason")).contains(
                "outputs.y.not_constant: every golden input gives the same y");
    }

    @Test
    void aModelOverItsLatencyLimitIsRefused() {
        JsonPath version = awaitState("over_latency", "1", "FAILED");
        assertThat(version.getString("reason")).startsWith("validity gate: max_latency_ms.batch_1: ")
                .contains("ms at batch size 1, limit 1.0E-6");
        assertThat(version.getBoolean("gate.passed")).isFalse();
    }

    @Test
    void aValidationFileThatDoesNotFitTheModelRefusesTheVersion() {
        JsonPath version = awaitState("misfit", "1", "FAILED");
        assertThat(version.getString("reason")).isEqualTo("validity gate: validation/validation.json "
                + "golden[0].inputs: needs input \"x\" with shape and data; the model's inputs are [x]");
    }

    @Test
    void aRefusedVersionLeavesThePreviousOneServing() {
        awaitState("swap", "1", "READY");
        ModelRepositoryFixture repository = new ModelRepositoryFixture(root);
        // version 2 answers x + 50: out of the declared range and off the golden answers
        repository.withFile("swap", "2/validation/validation.json", VALIDATION)
                .withModel("swap", 2, OnnxModels.addConstant(50));
        JsonPath refused = awaitState("swap", "2", "FAILED");
        assertThat(refused.getString("reason")).startsWith("validity gate: golden[0]: output y holds 51.0 at "
                + "element 0, above its max 20.0, output y element 0 is 51.0, expected 2.0 within 0.001");
        assertThat(refused.getList("gate.checks.findAll { !it.passed }.name"))
                .containsExactly("golden[0]", "golden[1]");
        assertThat(refused.getList("history.state")).containsExactly("LOADING", "FAILED");

        JsonPath answer = given().contentType("application/json")
                .body("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}")
                .post("/v2/models/swap/infer").then().statusCode(200).extract().jsonPath();
        assertThat(answer.getString("model_version")).isEqualTo("1");
        assertThat(answer.getList("outputs[0].data", Float.class)).containsExactly(2f, 2f, 2f, 2f);
    }

    @Test
    void changingOnlyTheValidationFolderRunsTheGateAgain() {
        JsonPath refused = awaitState("revalidated", "1", "FAILED");
        assertThat(refused.getString("reason")).startsWith("validity gate: golden[0]: output y element 0 is 2.0, "
                + "expected 9.0");
        new ModelRepositoryFixture(root).withFile("revalidated", "1/validation/validation.json",
                golden("[2, 3, 4, 5]"));
        JsonPath passed = awaitState("revalidated", "1", "READY");
        assertThat(passed.getBoolean("gate.passed")).isTrue();
        assertThat(passed.getList("history.state")).containsExactly("LOADING", "FAILED", "LOADING", "READY");
        given().contentType("application/json")
                .body("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}")
                .post("/v2/models/revalidated/infer").then().statusCode(200);
    }

    /** A validation file with one golden input, [1, 2, 3, 4], and the answer it expects. */
    static String golden(String expected) {
        return """
                {"golden": [{"inputs": {"x": {"shape": [1, 4], "data": [1, 2, 3, 4]}},
                             "outputs": {"y": {"data": %s, "tolerance": 0.001}}}]}""".formatted(expected);
    }

    public static class GateRepository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-gate")
                    .withFile("checked", "1/validation/validation.json", VALIDATION)
                    .withModel("checked", 1, OnnxModels.addConstant(1))
                    .withModel("nan", 1, OnnxModels.addConstant(Float.NaN))
                    .withFile("constant", "1/validation/validation.json", """
                            {"outputs": {"y": {"not_constant": true}},
                             "golden": [{"inputs": {"x": {"shape": [1, 4], "data": [1, 2, 3, 4]}}},
                                        {"inputs": {"x": {"shape": [1, 4], "data": [5, 6, 7, 8]}}}]}""")
                    .withModel("constant", 1, OnnxModels.constant(3))
                    .withFile("over_latency", "1/validation/validation.json", "{\"max_latency_ms\": 0.000001}")
                    .withModel("over_latency", 1, OnnxModels.addConstant(1))
                    .withFile("misfit", "1/validation/validation.json", """
                            {"golden": [{"inputs": {"image": {"shape": [1, 4], "data": [1, 2, 3, 4]}}}]}""")
                    .withModel("misfit", 1, OnnxModels.addConstant(1))
                    .withFile("swap", "1/validation/validation.json", VALIDATION)
                    .withModel("swap", 1, OnnxModels.addConstant(1))
                    .withFile("revalidated", "1/validation/validation.json", golden("[9, 9, 9, 9]"))
                    .withModel("revalidated", 1, OnnxModels.addConstant(1));
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.poll-interval", "200ms");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
