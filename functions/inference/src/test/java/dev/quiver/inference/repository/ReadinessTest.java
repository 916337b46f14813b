package dev.quiver.inference.repository;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Readiness holds only when every model in the repository is loaded and warmed up; a model that cannot be loaded is
 * reported, never served, and the function becomes ready once it is fixed.
 */
@QuarkusTest
@WithTestResource(ReadinessTest.BrokenRepository.class)
class ReadinessTest {

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @Test
    void brokenModelsAreReportedAndKeepTheFunctionUnreadyUntilFixed() {
        // start-up loads the repository in the background; once every model has been tried, four are reported
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/v2/health/ready").then()
                .statusCode(503)
                .header("Retry-After", "5")
                .body("ready", equalTo(false))
                .body("problems", hasSize(4))
                .body("problems", hasItem(containsString("model corrupt version 1 failed to load: ONNX Runtime "
                        + "cannot load model.onnx")))
                .body("problems", hasItem(containsString("model half version 1 failed to load: input x has element "
                        + "type FLOAT16; Quiver serves BOOL, UINT8, INT8, INT16, INT32, "
                        + "INT64, FP32, FP64")))
                .body("problems", hasItem(containsString("model misconfigured has an invalid configuration: "
                        + "config.yaml is invalid (2 problems)")))
                .body("problems", hasItem(containsString("line 2, colour: unknown setting")))
                .body("problems", hasItem(containsString("max_batch_size: must be between 0 and 65536, got -3")))
                .body("problems", hasItem(containsString("model unbatchable version 1 failed to load: "
                        + "max_batch_size is 8 but not every input and output has a dynamic first dimension"))));
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks[0].data.good", equalTo("ready"));
        given().get("/q/health/live").then().statusCode(200);

        given().get("/v2/models/corrupt").then().statusCode(503)
                .body("error", containsString("model corrupt version 1 failed to load"))
                .body("status[0].state", equalTo("FAILED"));
        given().get("/v2/models/corrupt/versions/1/ready").then().statusCode(503).body("ready", equalTo(false));
        given().contentType(ContentType.JSON).body("{\"inputs\":[]}").post("/v2/models/corrupt/infer")
                .then().statusCode(503).header("Retry-After", "5")
                .body("error", containsString("failed to load"));
        given().get("/v2/models/good/ready").then().statusCode(200);

        ModelRepositoryFixture repository = new ModelRepositoryFixture(root);
        repository.withModel("corrupt", 1, OnnxModels.addConstant(1));
        repository.withModel("half", 1, OnnxModels.addConstant(2));
        repository.withConfig("misconfigured", "config.yaml", "max_batch_size: 4\n");
        repository.withConfig("unbatchable", "config.yaml", "max_batch_size: 0\n");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true)));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().contentType(ContentType.JSON)
                .body("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}")
                .post("/v2/models/corrupt/infer").then().statusCode(200)
                .body("outputs[0].data[0]", equalTo(2.0f));
    }

    public static class BrokenRepository implements QuarkusTestResourceLifecycleManager {
        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-broken")
                    .withModel("good", 1, OnnxModels.addConstant(1))
                    .withModel("corrupt", 1, "this is not ONNX".getBytes(StandardCharsets.UTF_8))
                    .withModel("half", 1, OnnxModels.float16())
                    .withModel("misconfigured", 1, OnnxModels.addConstant(1))
                    .withConfig("misconfigured", "config.yaml", "max_batch_size: -3\ncolour: blue\n")
                    .withModel("unbatchable", 1, OnnxModels.fixedShape())
                    .withConfig("unbatchable", "config.yaml", "max_batch_size: 8\n");
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.poll-interval", "200ms");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
