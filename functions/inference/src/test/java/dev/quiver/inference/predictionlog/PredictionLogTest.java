package dev.quiver.inference.predictionlog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction log on its default in-memory sink, read back through {@code GET /prediction-log}: each prediction as a
 * KServe logger request and response event under the request id, whatever the protocol; redacted and oversized
 * tensors without their elements; failed requests not logged; the log shown to admins only.
 */
@QuarkusTest
@WithTestResource(PredictionLogTest.Repository.class)
class PredictionLogTest {

    static final ApiKey.Issued ADMIN = ApiKey.issue("standard", "ops", true);
    static final ApiKey.Issued USER = ApiKey.issue("standard", "team-digits", false);

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aPredictionIsLoggedAsARequestAndAResponseEventUnderItsRequestId() {
        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":["
                + Digits.pixelsJson(3) + "]}]}";
        List<Float> answer = given().header("X-Request-Id", "log-v2-1").contentType(ContentType.JSON).body(body)
                .post("/v2/models/digits/infer").then().statusCode(200)
                .extract().jsonPath().getList("outputs[0].data", Float.class);

        List<Map<String, Object>> events = eventsOf("log-v2-1");
        assertThat(events).extracting(event -> event.get("type"))
                .containsExactly(PredictionLog.REQUEST_TYPE, PredictionLog.RESPONSE_TYPE);
        for (Map<String, Object> event : events) {
            assertThat(event).containsEntry("specversion", "1.0").containsEntry("source", "/quiver/inference")
                    .containsEntry("inferenceservicename", "digits").containsEntry("modelversion", "1")
                    .containsEntry("component", "predictor").containsEntry("protocol", "v2")
                    .containsEntry("datacontenttype", "application/json").containsKey("time");
        }
        Map<String, Object> request = data(events.get(0));
        assertThat(request).containsEntry("id", "log-v2-1");
        assertThat(tensor(events.get(0), "inputs", "input")).containsEntry("shape", List.of(1, 64))
                .containsEntry("datatype", "FP32")
                .containsEntry("data", JsonPath.from("{\"pixels\":" + Digits.pixelsJson(3) + "}")
                        .getList("pixels", Float.class));
        Map<String, Object> response = data(events.get(1));
        assertThat(response).containsEntry("id", "log-v2-1").containsEntry("model_name", "digits")
                .containsEntry("model_version", "1");
        assertThat(tensor(events.get(1), "outputs", "output")).containsEntry("data", answer);
    }

    @Test
    void everyProtocolLogsUnderTheCallersRequestId() {
        given().header("X-Request-Id", "log-v1-1").contentType(ContentType.JSON)
                .body("{\"instances\":[" + Digits.pixelsJson(1) + "]}")
                .post("/v1/models/digits:predict").then().statusCode(200);
        given().header("X-Request-Id", "log-predict-1").contentType(ContentType.JSON)
                .body("{\"model\":\"digits\",\"instances\":[" + Digits.pixelsJson(2) + "]}")
                .post("/predict").then().statusCode(200);

        assertThat(eventsOf("log-v1-1")).extracting(event -> event.get("protocol")).containsExactly("v1", "v1");
        assertThat(eventsOf("log-predict-1")).extracting(event -> event.get("protocol"))
                .containsExactly("predict", "predict");
    }

    @Test
    void redactedAndOversizedTensorsAreLoggedWithoutTheirElements() {
        given().header("X-Request-Id", "log-redact-1").contentType(ContentType.JSON)
                .body("{\"inputs\":[{\"name\":\"a\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]},"
                        + "{\"name\":\"b\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[3,4]}]}")
                .post("/v2/models/sum_and_product/infer").then().statusCode(200);
        List<Map<String, Object>> events = eventsOf("log-redact-1");
        assertThat(tensor(events.get(0), "inputs", "a")).containsEntry("data", List.of(1.0f, 2.0f));
        assertThat(tensor(events.get(0), "inputs", "b")).doesNotContainKey("data")
                .containsEntry("shape", List.of(1, 2)).containsEntry("parameters", Map.of("redacted", true));
        assertThat(tensor(events.get(1), "outputs", "total")).doesNotContainKey("data")
                .containsEntry("parameters", Map.of("redacted", true));
        assertThat(tensor(events.get(1), "outputs", "product")).containsEntry("data", List.of(3.0f, 8.0f));

        // 2 digits take 512 bytes, more than the 300 allowed; their 2 x 10 probabilities take 80
        given().header("X-Request-Id", "log-large-1").contentType(ContentType.JSON)
                .body("{\"instances\":[" + Digits.pixelsJson(1) + "," + Digits.pixelsJson(2) + "]}")
                .post("/v1/models/digits:predict").then().statusCode(200);
        List<Map<String, Object>> large = eventsOf("log-large-1");
        assertThat(tensor(large.get(0), "inputs", "input")).doesNotContainKey("data")
                .containsEntry("shape", List.of(2, 64)).containsEntry("parameters", Map.of("truncated", true));
        assertThat((List<?>) tensor(large.get(1), "outputs", "output").get("data")).hasSize(20);
    }

    @Test
    void aFailedRequestIsNotLogged() {
        given().header("X-Request-Id", "log-bad-1").contentType(ContentType.JSON)
                .body("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}")
                .post("/v2/models/digits/infer").then().statusCode(400);
        assertThat(eventsOf("log-bad-1")).isEmpty();
    }

    @Test
    void onlyAdminsReadTheLog() {
        given().get("/prediction-log").then().statusCode(401)
                .body("error", containsString("prediction log: an admin credential is required"));
        given().header("X-API-Key", USER.key()).get("/prediction-log").then().statusCode(403);
        given().header("X-API-Key", ADMIN.key()).get("/prediction-log?limit=0").then().statusCode(400)
                .body("error", containsString("limit: expected a whole number from 1 to 10000, got '0'"));
        given().header("X-API-Key", ADMIN.key()).get("/prediction-log").then().statusCode(200)
                .contentType("application/cloudevents-batch+json");
    }

    private static List<Map<String, Object>> eventsOf(String id) {
        List<Map<String, Object>> events = given().header("X-API-Key", ADMIN.key()).get("/prediction-log?limit=100")
                .then().statusCode(200).extract().jsonPath().getList("");
        return events.stream().filter(event -> id.equals(event.get("id"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> event) {
        return (Map<String, Object>) event.get("data");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tensor(Map<String, Object> event, String side, String name) {
        List<Map<String, Object>> tensors = (List<Map<String, Object>>) data(event).get(side);
        return tensors.stream().filter(tensor -> name.equals(tensor.get("name"))).findFirst().orElseThrow();
    }

    public static class Repository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-prediction-log").withDigits("digits", 1)
                    .withModel("sum_and_product", 1, OnnxModels.sumAndProduct())
                    .withConfig("sum_and_product", "config.yaml", "outputs:\n  sum: total\n");
            Path keys = repository.root().resolveSibling(repository.root().getFileName() + "-keys.yaml");
            String store = "keys:\n" + KeyStoreEntry.of(ADMIN.stored()) + KeyStoreEntry.of(USER.stored());
            try {
                Files.writeString(keys, store);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.admission.keys-file", keys.toString(),
                    "quiver.inference.prediction-log.enabled", "true",
                    "quiver.inference.prediction-log.redact", "b,total",
                    "quiver.inference.prediction-log.max-tensor-size", "300B");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
