package dev.quiver.inference.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import dev.quiver.testservices.LoggedWarnings;
import dev.quiver.testservices.RawHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * However an HTTP client sends a v2 body, the tensor read is the same: with its length, in chunks of any size, or held
 * back until the server says to go on ({@code Expect: 100-continue}, which curl sends for bodies over 1 MB); an
 * expectation the server cannot meet is a JSON 417; broken chunks and a client that goes away mid-body are no error in
 * the log.
 */
@QuarkusTest
@WithTestResource(StandardRepository.class)
class V2BodyTransferTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final int ROWS = 300;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aBodyInChunksIsReadAsTheSameBodyWithItsLength() throws IOException {
        byte[] body = digitsBody();
        JsonArray withLength = answer(send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.length, body));
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        // pieces of a prime size, so that numbers are cut anywhere, the last piece shorter
        for (int at = 0; at < body.length; at += 4_099) {
            int length = Math.min(4_099, body.length - at);
            chunked.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunked.write(body, at, length);
            chunked.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        chunked.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        JsonArray inChunks = answer(send("POST /v2/models/digits/versions/1/infer HTTP/1.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked", chunked.toByteArray()));
        assertThat(inChunks).isEqualTo(withLength);
        for (int row = 0; row < ROWS; row += 29) {
            double[] expected = Digits.expectedProbabilities(row);
            for (int digit = 0; digit < 10; digit++) {
                assertThat(inChunks.getDouble(row * 10 + digit)).isCloseTo(expected[digit], within(1e-5));
            }
        }
    }

    @Test
    void aClientThatWaitsToSendItsBodyIsToldToGoOn() throws IOException {
        byte[] body = digitsBody();
        try (RawHttp request = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.length + "\r\nExpect: 100-continue", new byte[0])) {
            assertThat(request.answer(ANSWER).status()).as("told to send the body").isEqualTo(100);
            request.sendMore(body);
            RawHttp.Answer answer = request.answer(ANSWER);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(new JsonObject(answer.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("shape"))
                    .containsExactly(ROWS, 10);
        }
    }

    @Test
    void anExpectationTheServerCannotMeetIsA417() throws IOException {
        try (RawHttp request = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: 2\r\nExpect: 200-ok", new byte[0])) {
            RawHttp.Answer answer = request.answer(ANSWER);
            assertThat(answer.status()).isEqualTo(417);
            assertThat(new JsonObject(answer.body()).getString("error"))
                    .isEqualTo("Expect: only 100-continue is supported, got 200-ok");
        }
    }

    @Test
    void aChunkedBodyWithBrokenFramingIsNoErrorOfOurs() throws IOException {
        try (LoggedWarnings warnings = LoggedWarnings.capture();
             RawHttp request = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: application/json"
                     + "\r\nTransfer-Encoding: chunked", "4\r\n{\"in\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII))) {
            try {
                RawHttp.Answer answer = request.answer(ANSWER);
                assertThat(answer.status()).isEqualTo(400);
                assertThat(new JsonObject(answer.body()).getString("error")).startsWith("request body: unreadable: ");
            } catch (IOException closed) {
                // the HTTP layer closes a connection whose framing it cannot read, and the answer may not get out
            }
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> warnings.messages().isEmpty());
        }
    }

    @Test
    void aClientThatGoesAwayMidBodyLeavesNoErrorBehind() throws IOException {
        try (LoggedWarnings warnings = LoggedWarnings.capture()) {
            byte[] body = digitsBody();
            try (RawHttp request = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length,
                    Arrays.copyOf(body, body.length / 2))) {
                // half the body sent, then the connection closes
            }
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> warnings.messages().isEmpty());
            assertThat(answer(send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: application/json"
                    + "\r\nContent-Length: " + body.length, body))).hasSize(ROWS * 10);
            assertThat(warnings.messages()).isEmpty();
        }
    }

    private static byte[] digitsBody() {
        StringBuilder data = new StringBuilder("[");
        for (int row = 0; row < ROWS; row++) {
            data.append(row == 0 ? "" : ",").append(Digits.pixelsJson(row));
        }
        return V2ProtocolTest.inferBody(null, "input", "FP32", "[" + ROWS + ",64]", data.append("]").toString())
                .getBytes(StandardCharsets.UTF_8);
    }

    private static RawHttp.Answer send(String head, byte[] body) throws IOException {
        try (RawHttp request = RawHttp.send(head, body)) {
            return request.answer(ANSWER);
        }
    }

    private static JsonArray answer(RawHttp.Answer answer) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return new JsonObject(answer.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("data");
    }
}
