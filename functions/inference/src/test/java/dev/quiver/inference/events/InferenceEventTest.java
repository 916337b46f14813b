package dev.quiver.inference.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code dev.quiver.inference.requested} delivered as Knative delivers it, built and written with the CloudEvents
 * SDK in binary and structured mode.
 */
@QuarkusTest
@WithTestResource(StandardRepository.class)
class InferenceEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aBinaryModeRequestIsAnsweredWithACompletedEvent() throws Exception {
        CloudEvent request = request(UUID.randomUUID().toString(), digitsRequest(4));
        Response response = binary(request);
        response.then().statusCode(200);
        assertThat(response.header("ce-type")).isEqualTo("dev.quiver.inference.completed");
        assertThat(response.header("ce-source")).isEqualTo("/quiver/inference");
        assertThat(response.header("ce-correlationid")).isEqualTo(request.getId());
        JsonNode data = JSON.readTree(response.asByteArray());
        assertThat(data.get("model").asText()).isEqualTo("digits");
        assertThat(data.get("modelVersion").asText()).isEqualTo("1");
        JsonNode output = data.get("outputs").get(0);
        assertThat(output.get("shape").toString()).isEqualTo("[1,10]");
        assertThat(argmax(output.get("data"))).isEqualTo(Digits.image(4).label());
    }

    @Test
    void aStructuredModeRequestIsAnsweredInStructuredMode() throws Exception {
        CloudEvent request = request(UUID.randomUUID().toString(), digitsRequest(9));
        Response response = structured(request);
        response.then().statusCode(200);
        JsonNode reply = JSON.readTree(response.asByteArray());
        assertThat(reply.get("type").asText()).isEqualTo("dev.quiver.inference.completed");
        assertThat(reply.get("correlationid").asText()).isEqualTo(request.getId());
        assertThat(argmax(reply.get("data").get("outputs").get(0).get("data"))).isEqualTo(Digits.image(9).label());
    }

    @Test
    void aRequestThatCanNeverSucceedIsAnsweredWithAFailedEvent() throws Exception {
        Response unknown = binary(request(UUID.randomUUID().toString(),
                "{\"model\":\"nope\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1],"
                        + "\"data\":[1]}]}"));
        unknown.then().statusCode(200);
        assertThat(unknown.header("ce-type")).isEqualTo("dev.quiver.inference.failed");
        assertThat(JSON.readTree(unknown.asByteArray()).get("error").asText()).contains("nope");
        assertThat(JSON.readTree(unknown.asByteArray()).get("reason").asText()).isEqualTo("not-found");

        Response badShape = binary(request(UUID.randomUUID().toString(),
                "{\"model\":\"digits\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,63],"
                        + "\"data\":" + zeros(63) + "}]}"));
        assertThat(badShape.header("ce-type")).isEqualTo("dev.quiver.inference.failed");
        assertThat(JSON.readTree(badShape.asByteArray()).get("error").asText()).contains("input");
        assertThat(JSON.readTree(badShape.asByteArray()).get("reason").asText()).isEqualTo("invalid-input");

        Response schema = binary(request(UUID.randomUUID().toString(), "{\"inputs\":[]}"));
        assertThat(schema.header("ce-type")).isEqualTo("dev.quiver.inference.failed");
        assertThat(JSON.readTree(schema.asByteArray()).get("error").asText()).contains("model");
        assertThat(JSON.readTree(schema.asByteArray()).get("reason").asText()).isEqualTo("invalid-input");
    }

    @Test
    void aRedeliveredRequestIsAnsweredTheSameWayWithoutRunningTwice() throws Exception {
        CloudEvent request = request(UUID.randomUUID().toString(), digitsRequest(2));
        double before = eventRequests();
        Response first = binary(request);
        Response second = binary(request);
        assertThat(second.header("ce-id")).isEqualTo(first.header("ce-id"));
        assertThat(second.asString()).isEqualTo(first.asString());
        assertThat(eventRequests() - before).as("the model ran once").isEqualTo(1);
        Response other = binary(request(UUID.randomUUID().toString(), digitsRequest(2)));
        assertThat(other.header("ce-id")).isNotEqualTo(first.header("ce-id"));
    }

    @Test
    void deliveriesThatCannotBeRightAre400sWithTheReason() {
        given().header("ce-id", "1").header("ce-specversion", "1.0").header("ce-type",
                        "dev.quiver.inference.requested").contentType("application/json").body(digitsRequest(1))
                .post("/").then().statusCode(400).body("error", containsString("ce-source"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/test\",\"datacontenttype\":"
                        + "\"application/json\",\"data\":{}}")
                .post("/").then().statusCode(400).body("error", containsString("type"));
        given().contentType("application/cloudevents+json").body("{\"specversion\":")
                .post("/").then().statusCode(400).body("error", containsString("structured CloudEvent"));
        given().header("ce-id", "1").header("ce-specversion", "1.0").header("ce-source", "/test")
                .header("ce-type", "com.example.unknown").contentType("application/json").body("{}")
                .post("/").then().statusCode(400).body("error", containsString("com.example.unknown"));
        given().header("ce-id", "1").header("ce-specversion", "1.0").header("ce-source", "/test")
                .header("ce-type", "dev.quiver.inference.requested").contentType("application/json")
                .body("{\"model\":").post("/").then().statusCode(400);
    }

    private static CloudEvent request(String id, String data) {
        return CloudEventBuilder.v1().withId(id).withSource(URI.create("/tests/inference"))
                .withType("dev.quiver.inference.requested").withDataContentType("application/json")
                .withData(data.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static Response binary(CloudEvent event) {
        RequestSpecification spec = given();
        List<byte[]> body = new ArrayList<>();
        HttpMessageFactory.createWriter(spec::header, body::add).writeBinary(event);
        return spec.body(body.getFirst()).post("/");
    }

    private static Response structured(CloudEvent event) {
        byte[] body = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE).serialize(event);
        return given().contentType(JsonFormat.CONTENT_TYPE).body(body).post("/");
    }

    private static String digitsRequest(int row) {
        return "{\"model\":\"digits\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,64],"
                + "\"data\":[" + Digits.pixelsJson(row) + "]}]}";
    }

    private static String zeros(int count) {
        return "[" + String.join(",", java.util.Collections.nCopies(count, "0")) + "]";
    }

    private static int argmax(JsonNode values) {
        int best = 0;
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i).asDouble() > values.get(best).asDouble()) {
                best = i;
            }
        }
        return best;
    }

    private static double eventRequests() {
        String metrics = given().get("/q/metrics").asString();
        Matcher matcher = Pattern.compile("^quiver_inference_request_seconds_count\\{model=\"digits\",protocol=\"event\","
                + "status=\"200\",version=\"1\"} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }
}
