package dev.quiver.inference.protocol;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.inference.fixtures.Digits;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(StandardRepository.class)
class PredictFunctionTest {

    @TestHTTPResource("/ping")
    URL ping;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void predictTakesPlainInstances() {
        int label = Digits.image(9).label();
        var predictions = given().contentType(ContentType.JSON)
                .body("{\"model\":\"digits\",\"instances\":[" + Digits.pixelsJson(9) + "]}")
                .post("/predict")
                .then().statusCode(200)
                .body("model", equalTo("digits"))
                .body("model_version", equalTo("1"))
                .body("predictions", hasSize(1))
                .body("predictions[0]", hasSize(10))
                .extract().jsonPath().getList("predictions[0]", Float.class);
        assertThat(Digits.argmax(predictions))
                .isEqualTo(Digits.argmax(java.util.Arrays.stream(Digits.expectedProbabilities(9)).boxed().toList()))
                .isEqualTo(label);
    }

    @Test
    void predictWithAVersion() {
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"digits\",\"version\":\"1\",\"instances\":[" + Digits.pixelsJson(1) + "]}")
                .post("/predict").then().statusCode(200).body("model_version", equalTo("1"));
    }

    @Test
    void predictErrorsAreJson() {
        given().contentType(ContentType.JSON).body("{\"instances\":[[1]]}").post("/predict")
                .then().statusCode(400).body("error", equalTo("model: is required"));
        given().contentType(ContentType.JSON).body("{\"model\":\"digits\"}").post("/predict")
                .then().statusCode(400).body("error", containsString("instances: is required"));
        given().contentType(ContentType.JSON).body("{\"model\":\"digits\",\"instances\":null}").post("/predict")
                .then().statusCode(400).body("error", containsString("instances: is required"));
        given().contentType(ContentType.JSON).body("{\"model\":\"digits\",\"instances\":5}").post("/predict")
                .then().statusCode(400).body("error", equalTo("instances: expected a list with one entry per item"));
        given().contentType(ContentType.JSON).body("{\"model\":\"nope\",\"instances\":[[1]]}").post("/predict")
                .then().statusCode(404).body("error", containsString("model \"nope\" not found"));
        given().contentType(ContentType.JSON).body("{\"model\":\"digits\",\"instances\":[[1,2]]}").post("/predict")
                .then().statusCode(400).body("error", containsString("has shape [-1, 64]"));
        given().contentType(ContentType.JSON).body("{\"model\":").post("/predict")
                .then().statusCode(400).body("error", containsString("request body: malformed JSON at line 1"));
        given().contentType(ContentType.JSON).body("{\"model\":\"identity_fp32\",\"instances\":[[1e39,0,0]]}")
                .post("/predict").then().statusCode(400).body("error", containsString("1e39 is out of range for FP32"));
        given().contentType(ContentType.JSON).body("{\"model\":\"digits\",\"version\":\"3\",\"instances\":[[1]]}")
                .post("/predict").then().statusCode(404).body("error", containsString("no version \"3\""));
    }

    @Test
    void pingDoesNothing() {
        given().get("/ping").then().statusCode(204);
        given().contentType(ContentType.JSON).body("{}").post("/ping").then().statusCode(204);
        given().contentType(ContentType.JSON).post("/ping").then().statusCode(400)
                .body("error", containsString("empty body"));
        given().contentType(ContentType.JSON).post("/predict").then().statusCode(400)
                .body("error", containsString("empty body"));
        given().contentType(ContentType.TEXT).body("{}").post("/ping").then().statusCode(415)
                .body("error", containsString("application/json"));
    }

    @Test
    void anEmptyChunkedBodyIsRefusedAsAnEmptyBodyIs() throws Exception {
        HttpRequest chunked = HttpRequest.newBuilder(ping.toURI()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.noBody())).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("got an empty body");
    }
}
