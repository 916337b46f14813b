package dev.quiver.inference.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.ReceivedEvent;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
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
    private static final EventCodec CODEC = new EventCodec(Clock.systemUTC());

    @TestHTTPResource("/")
    URL root;

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
        CloudEvent reply = reply(response);
        assertThat(reply.getTime()).as("a reply says when it was made").isNotNull();
        assertThat(CODEC.decode(reply, InferenceCompleted.class).outputs().getFirst().shape()).containsExactly(1L, 10L);
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
        ReceivedEvent read = received(response);
        assertThat(read.mode()).isEqualTo(CloudEventHttp.Mode.STRUCTURED);
        assertThat(read.event().getExtension(CorrelationExtensions.CORRELATION_ID)).isEqualTo(request.getId());
        assertThat(CODEC.decode(read.event(), InferenceCompleted.class).model()).isEqualTo("digits");
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
        for (Response failed : List.of(unknown, badShape, schema)) {
            assertThat(CODEC.decode(reply(failed), InferenceFailed.class).reason()).isNotNull();
        }
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
                .post("/").then().statusCode(400).body("error", equalTo("CloudEvent: no function takes events of "
                        + "type 'com.example.unknown'; this function takes dev.quiver.inference.label, "
                        + "dev.quiver.inference.requested"));
        // neither a catalog type another function takes, nor the name of one of this app's HTTP functions
        for (String type : List.of(EventTypes.STEP_COMPLETED, "predict")) {
            given().header("ce-id", "1").header("ce-specversion", "1.0").header("ce-source", "/test")
                    .header("ce-type", type).contentType("application/json").body(digitsRequest(1))
                    .post("/").then().statusCode(400).body("error", containsString("no function takes events of "
                            + "type '" + type + "'"));
        }
        given().header("ce-id", "1").header("ce-specversion", "1.0").header("ce-source", "/test")
                .header("ce-type", "dev.quiver.inference.requested").contentType("application/json")
                .body("{\"model\":").post("/").then().statusCode(400);
    }

    @Test
    void dataThatIsNotJsonIsA400NamingTheFieldInEitherMode() throws Exception {
        String type = EventTypes.INFERENCE_REQUESTED;
        for (String contentType : List.of("text/plain", "application/octet-stream")) {
            given().header("ce-id", UUID.randomUUID().toString()).header("ce-specversion", "1.0")
                    .header("ce-source", "/test").header("ce-type", type).contentType(contentType)
                    .body("model=digits".getBytes(StandardCharsets.UTF_8)).post("/").then().statusCode(400)
                    .body("error", containsString("Content-Type: expected application/json for the event's data, "
                            + "got " + contentType));
        }
        HttpResponse<String> untyped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(root.toURI())
                .header("ce-id", UUID.randomUUID().toString()).header("ce-specversion", "1.0")
                .header("ce-source", "/test").header("ce-type", type)
                .POST(HttpRequest.BodyPublishers.ofString(digitsRequest(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(untyped.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(untyped.body()).get("error").asText())
                .isEqualTo("Content-Type: expected application/json for the event's data, got none");
        given().contentType("application/cloudevents+json").body(structuredEnvelope(type,
                        "\"datacontenttype\":\"application/xml\",\"data\":\"<model>digits</model>\""))
                .post("/").then().statusCode(400).body("error", equalTo(
                        "datacontenttype: expected application/json for the event's data, got application/xml"));
        given().contentType("application/cloudevents+json").body(structuredEnvelope(type,
                        "\"datacontenttype\":\"application/json\",\"data_base64\":\"not*base64\""))
                .post("/").then().statusCode(400).body("error", containsString("data_base64: expected the data in "
                        + "base64"));
        String notJson = Base64.getEncoder().encodeToString("model=digits".getBytes(StandardCharsets.UTF_8));
        given().contentType("application/cloudevents+json").body(structuredEnvelope(type,
                        "\"datacontenttype\":\"application/json\",\"data_base64\":\"" + notJson + "\""))
                .post("/").then().statusCode(400).body("error", containsString("data_base64: not valid JSON"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void jsonDataInBase64IsServedLikeAnyOther() throws Exception {
        String data = Base64.getEncoder().encodeToString(digitsRequest(7).getBytes(StandardCharsets.UTF_8));
        Response response = given().contentType("application/cloudevents+json").body(structuredEnvelope(
                EventTypes.INFERENCE_REQUESTED, "\"datacontenttype\":\"application/json\",\"data_base64\":\""
                        + data + "\"")).post("/");
        response.then().statusCode(200);
        JsonNode outputs = JSON.readTree(response.asByteArray()).get("data").get("outputs");
        assertThat(argmax(outputs.get(0).get("data"))).isEqualTo(Digits.image(7).label());
    }

    private static String structuredEnvelope(String type, String dataMembers) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/test\",\"type\":\""
                + type + "\"," + dataMembers + "}";
    }

    /** The reply event of an answer, read with the SDK's HTTP binding as any receiver would. */
    private static ReceivedEvent received(Response response) {
        return CloudEventHttp.read(visitor -> response.headers().forEach(header -> visitor.accept(header.getName(),
                header.getValue())), response.asByteArray());
    }

    private static CloudEvent reply(Response response) {
        return received(response).event();
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
