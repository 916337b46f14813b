package dev.quiver.inference.protocol;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(StandardRepository.class)
class V1ProtocolTest {

    @TestHTTPResource("/v1/models/digits:predict")
    URL predict;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void listsModelsAndTheirReadiness() {
        given().get("/v1/models").then().statusCode(200).body("models", hasItems("digits", "sum_and_product"));
        given().get("/v1/models/digits").then().statusCode(200)
                .body("name", equalTo("digits")).body("ready", equalTo(true));
        given().get("/v1/models/nope").then().statusCode(404).body("error", containsString("\"nope\" not found"));
    }

    @Test
    void instancesBecomePredictionsInOrder() {
        String body = "{\"instances\":[" + Digits.pixelsJson(5) + "," + Digits.pixelsJson(6) + "]}";
        List<List<Float>> predictions = given().contentType(ContentType.JSON).body(body)
                .post("/v1/models/digits:predict")
                .then().statusCode(200).extract().jsonPath().getList("predictions");
        assertThat(predictions).hasSize(2);
        for (int i = 0; i < 2; i++) {
            double[] expected = Digits.expectedProbabilities(5 + i);
            assertThat(predictions.get(i)).hasSize(10);
            for (int digit = 0; digit < 10; digit++) {
                assertThat(((Number) predictions.get(i).get(digit)).doubleValue())
                        .isCloseTo(expected[digit], within(1e-5));
            }
        }
    }

    @Test
    void aRequestLargerThanTheMaximumBatchIsRunInChunksAndAnsweredAsAWhole() {
        StringBuilder instances = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            instances.append(i == 0 ? "" : ",").append(Digits.pixelsJson(20 + i));
        }
        String body = "{\"instances\":[" + instances + "]}";
        List<List<Float>> whole = given().contentType(ContentType.JSON).body(body).post("/v1/models/digits:predict")
                .then().statusCode(200).extract().jsonPath().getList("predictions");
        double runsBefore = Metrics.value(Metrics.scrape(),
                "quiver_inference_batch_items_count{model=\"digits_chunked\",version=\"1\"}");
        List<List<Float>> chunked = given().contentType(ContentType.JSON).body(body)
                .post("/v1/models/digits_chunked:predict")
                .then().statusCode(200).extract().jsonPath().getList("predictions");

        assertThat(chunked).hasSize(11);
        for (int i = 0; i < 11; i++) {
            for (int digit = 0; digit < 10; digit++) {
                assertThat(((Number) chunked.get(i).get(digit)).doubleValue()).as("row %d digit %d", i, digit)
                        .isCloseTo(((Number) whole.get(i).get(digit)).doubleValue(), within(1e-6));
            }
        }
        String scrape = Metrics.scrape();
        double runs = Metrics.value(scrape, "quiver_inference_batch_items_count{model=\"digits_chunked\",version=\"1\"}");
        assertThat(runs - runsBefore).as("11 items in runs of at most 4").isGreaterThanOrEqualTo(3);
        assertThat(Metrics.value(scrape,
                "quiver_inference_batch_items_bucket{model=\"digits_chunked\",version=\"1\",le=\"4.0\"}"))
                .as("no run of more than max_batch_size items").isEqualTo(runs);
    }

    @Test
    void severalInputsAreObjectsAndSeveralOutputsToo() {
        given().contentType(ContentType.JSON)
                .body("{\"instances\":[{\"a\":[1,2],\"b\":[3,4]},{\"a\":[5,6],\"b\":[7,8]}]}")
                .post("/v1/models/sum_and_product:predict")
                .then().statusCode(200)
                .body("predictions[0].total", contains(4.0f, 6.0f))
                .body("predictions[0].product", contains(3.0f, 8.0f))
                .body("predictions[1].total", contains(12.0f, 14.0f))
                .body("predictions[1].product", contains(35.0f, 48.0f));
    }

    @Test
    void badInstancesGetClearErrors() {
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2,3],[4,5]]}")
                .post("/v1/models/identity_fp32:predict")
                .then().statusCode(400).body("error", containsString("rows must all have the same shape"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2]]}")
                .post("/v1/models/identity_fp32:predict")
                .then().statusCode(400).body("error", equalTo("instances: input \"x\" of model identity_fp32 has "
                        + "shape [-1, 3] (-1: any size), the instances make [1, 2]"));
        given().contentType(ContentType.JSON).body("{\"instances\":[]}")
                .post("/v1/models/identity_fp32:predict")
                .then().statusCode(400).body("error", containsString("instances: is empty"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2]]}")
                .post("/v1/models/sum_and_product:predict")
                .then().statusCode(400).body("error", containsString("each instance is an object"));
        given().contentType(ContentType.JSON).body("{\"inputs\":[[1,2,3]]}")
                .post("/v1/models/identity_fp32:predict")
                .then().statusCode(400).body("error", containsString("inputs: unknown field"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2,3]]}")
                .post("/v1/models/identity_fp32:explain")
                .then().statusCode(404).body("error", containsString(":predict"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2,3]]}")
                .post("/v1/models/nope:predict")
                .then().statusCode(404).body("error", containsString("\"nope\" not found"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2,1e39]]}")
                .post("/v1/models/identity_fp32:predict")
                .then().statusCode(400).body("error", containsString("1e39 is out of range for FP32"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1e400,2,3]]}")
                .post("/v1/models/identity_fp64:predict")
                .then().statusCode(400).body("error", containsString("1e400 is out of range for FP64"));
        given().contentType(ContentType.JSON).body("{\"instances\":[{\"a\":[1,2],\"b\":[3,4],\"a\":[5,6]}]}")
                .post("/v1/models/sum_and_product:predict")
                .then().statusCode(400).body("error", equalTo("instances[0].a: given twice; give each input once"));
        given().contentType(ContentType.JSON).body("{\"instances\":[{\"a\":[1,2],\"b\":[3,4],\"c\":[5,6]}]}")
                .post("/v1/models/sum_and_product:predict")
                .then().statusCode(400).body("error", containsString("instances[0].c: model sum_and_product has no "
                        + "input \"c\""));
        given().contentType(ContentType.JSON).body("{\"instances\":[{\"a\":[1,2]}]}")
                .post("/v1/models/sum_and_product:predict")
                .then().statusCode(400).body("error", equalTo("instances[0].b: is required"));
        given().contentType(ContentType.JSON).body("{\"instances\":[[1,2,3]],\"instances\":[[1,2,3]]}")
                .post("/v1/models/identity_fp32:predict")
                .then().statusCode(400).body("error", containsString("instances: given twice"));
    }

    /** With Content-Length: 0 and with an empty chunked body, as HTTP clients send a POST with nothing to send. */
    @Test
    void aRequestWithoutABodyIsRefusedAtOnce() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder post = HttpRequest.newBuilder(predict.toURI()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json");
        for (HttpRequest.BodyPublisher empty : List.of(HttpRequest.BodyPublishers.noBody(),
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.noBody()))) {
            HttpResponse<String> response = client.send(post.POST(empty).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("request body: expected {\\\"instances\\\": [...]}");
        }
    }
}
