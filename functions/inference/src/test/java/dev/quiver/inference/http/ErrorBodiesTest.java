package dev.quiver.inference.http;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import dev.quiver.testservices.LoggedWarnings;
import dev.quiver.testservices.RawHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error is the JSON body the README promises, whoever refuses the request: the request target (too long, not a
 * URI, raw UTF-8), the headers (too large), a chunked body over the limit; dot segments in a path lead through
 * admission like any path; and a client's malformed body, broken chunks or a client gone mid-body are not a stack
 * trace in the log, on any endpoint.
 */
@QuarkusTest
@WithTestResource(StandardRepository.class)
class ErrorBodiesTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aRequestTargetOrHeadersTooLargeGetJson() throws IOException {
        RawHttp.Answer longTarget = exchange("GET /v2/models/" + "a".repeat(9000) + " HTTP/1.1");
        assertThat(longTarget.status()).isEqualTo(414);
        assertThat(error(longTarget)).startsWith("request target: 9011 characters is more than the 8192 allowed");
        RawHttp.Answer bigHeaders = exchange("GET /v2 HTTP/1.1\r\nX-Padding: " + "p".repeat(30_000));
        assertThat(bigHeaders.status()).isEqualTo(431);
        assertThat(error(bigHeaders)).startsWith("headers: ").contains("more than the 20480 allowed");
    }

    @Test
    void aRequestTargetThatIsNoUriGetsJson() throws IOException {
        for (byte[] path : List.of(bytes("/v2/models/", 0xc3, 0xbc), bytes("/v2/models/", 0xe2, 0x82, 0xac),
                bytes("/v2/models/digits", 0x85, "/infer"), bytes("/v1/models/", 0xc3, 0xa9, ":predict"))) {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.writeBytes("GET ".getBytes(StandardCharsets.US_ASCII));
            head.writeBytes(path);
            head.writeBytes(" HTTP/1.1".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Answer answer;
            try (RawHttp request = RawHttp.send(head.toByteArray(), new byte[0])) {
                answer = request.answer(ANSWER);
            }
            assertThat(answer.status()).isEqualTo(400);
            assertThat(error(answer)).startsWith("request target: the byte 0x").contains("percent-encode it");
        }
        for (String target : List.of("/v2/models/%ZZ", "/v2/models/a|b", "/v2/models/a%2", "/v2/models/{x}")) {
            RawHttp.Answer answer = exchange("GET " + target + " HTTP/1.1");
            assertThat(answer.status()).as(target).isEqualTo(400);
            assertThat(error(answer)).as(target).startsWith("request target: ");
        }
        given().urlEncodingEnabled(false).get("/v2/models/%C3%BC").then().statusCode(404)
                .body("error", containsString("\"ü\""));
    }

    @Test
    void aChunkedBodyOverTheLimitGetsJson() throws IOException {
        byte[] chunk = ("100000\r\n" + " ".repeat(0x100000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        for (String path : List.of("/v2/models/digits/infer", "/v1/models/digits:predict", "/predict")) {
            try (RawHttp request = RawHttp.send("POST " + path + " HTTP/1.1\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked", new byte[0])) {
                try {
                    for (int i = 0; i < 3; i++) {
                        request.sendMore(chunk);
                    }
                } catch (IOException refusedMidway) {
                    // the answer may close the connection before the third megabyte is written
                }
                RawHttp.Answer answer = request.answer(ANSWER);
                assertThat(answer.status()).as(path).isEqualTo(413);
                assertThat(error(answer)).as(path).startsWith("request body: ")
                        .contains("(quiver.inference.max-request-size)");
            }
        }
    }

    @Test
    void dotSegmentsArePathsLikeAnyOther() throws IOException {
        for (String target : List.of("/q/../v2/models/digits", "/v2/health/%2e%2e/models/digits",
                "/v2/health/.%2E/../v2/models/digits", "/q/./../v2/models/digits")) {
            RawHttp.Answer answer = exchange("GET " + target + " HTTP/1.1");
            assertThat(answer.status()).as(target).isEqualTo(200);
            assertThat(answer.headers()).as(target + " went through admission").containsKey("ratelimit");
        }
    }

    @Test
    void aMalformedPredictBodyIsA400ThatLogsNothingAtWarnOrAbove() {
        try (LoggedWarnings warnings = LoggedWarnings.capture()) {
            Map<String, String> bodies = Map.of(
                    "{\"model\": \"digits\", \"instances\": [[1,2,", "request body: malformed JSON",
                    "nonsense", "request body: malformed JSON",
                    "[1,2]", "request body: expected a JSON object",
                    "{\"model\": [], \"instances\": []}", "model: expected",
                    "{\"model\": {\"a\": 1}}", "model: expected",
                    "{\"model\": \"digits\", \"instances\": {}}", "instances: expected a list",
                    "{\"model\": \"digits\", \"model\": \"other\", \"instances\": []}", "model: given twice",
                    "{\"model\": \"digits\", \"instances\": [], \"colour\": 1}", "colour: unknown field");
            bodies.forEach((body, error) -> given().contentType("application/json").body(body).post("/predict")
                    .then().statusCode(400).contentType("application/json").body("error", startsWith(error)));
            given().contentType("application/json").body("{\"a\":").post("/ping").then().statusCode(400)
                    .body("error", startsWith("request body: malformed JSON"));
            assertThat(warnings.messages()).isEmpty();
        }
    }

    @Test
    void brokenChunksAndAClientGoneMidBodyLeaveNothingInTheLog() throws IOException, InterruptedException {
        try (LoggedWarnings warnings = LoggedWarnings.capture()) {
            for (String path : List.of("/v1/models/digits:predict", "/ping", "/predict", "/", "/storage-notifications",
                    "/v2/models/digits/infer")) {
                try (RawHttp request = RawHttp.send("POST " + path + " HTTP/1.1\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked", "5\r\n{\"a\":\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII))) {
                    try {
                        RawHttp.Answer answer = request.answer(ANSWER);
                        assertThat(answer.status()).as(path).isEqualTo(400);
                        assertThat(error(answer)).as(path).startsWith("request body: unreadable: ");
                    } catch (IOException closed) {
                        // the HTTP layer closes a connection whose framing it cannot read, and the answer may not
                        // get out
                    }
                }
                try (RawHttp request = RawHttp.send("POST " + path + " HTTP/1.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000", "{\"a\":".getBytes(StandardCharsets.US_ASCII))) {
                    Thread.sleep(50);
                }
            }
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> warnings.messages().isEmpty());
        }
    }

    private static RawHttp.Answer exchange(String head) throws IOException {
        try (RawHttp request = RawHttp.send(head, new byte[0])) {
            return request.answer(ANSWER);
        }
    }

    private static String error(RawHttp.Answer answer) {
        assertThat(answer.headers().get("content-type")).startsWith("application/json");
        return new JsonObject(answer.body()).getString("error");
    }

    /** ASCII text and raw bytes, in order. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String text) {
                out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
