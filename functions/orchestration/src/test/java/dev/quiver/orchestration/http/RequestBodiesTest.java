package dev.quiver.orchestration.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.orchestration.events.PostgresStack;
import dev.quiver.testservices.LoggedWarnings;
import dev.quiver.testservices.RawHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every route of the function holds the body limit it declares, over real HTTP, whether the body comes with its length
 * or in chunks; and what a client does wrong with a body (broken chunks, going away mid-body) is answered as its
 * mistake and leaves no warning or error in the log.
 */
@QuarkusTest
@WithTestResource(PostgresStack.class)
class RequestBodiesTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final int MIB = 1 << 20;
    private static final int KIB_64 = 64 * 1024;

    /** A route, the most its body may be, and how its 413 names that limit. */
    private record Limited(String method, String path, int limit, String named) {
    }

    private static final List<Limited> ROUTES = List.of(
            new Limited("POST", "/", MIB, "1 MiB per event"),
            new Limited("PUT", "/pipelines/bodies", MIB, "1 MiB per pipeline file"),
            new Limited("POST", "/pipelines/bodies/backfill", KIB_64, "64 KiB per backfill request"),
            new Limited("POST", "/runs/4b2f6c1e-1d0a-4c1e-9a57-3f1d2c0b9e11/control", KIB_64,
                    "64 KiB per control order"),
            new Limited("POST", "/dead-letters", MIB, "1 MiB per dead letter"),
            new Limited("POST", "/storage-notifications", MIB, "1 MiB per storage notification"),
            // a REST resource: the HTTP layer's limit, 10 MiB unless set
            new Limited("POST", "/pipelines/bodies/dry-run", 10 * MIB, "quarkus.http.limits.max-body-size"));

    @Test
    void aBodyOverARoutesLimitIsA413NamingItWithItsLengthAndInChunks() throws IOException {
        for (Limited route : ROUTES) {
            String expected = "request body: the body sent is more than the " + route.limit() + " bytes allowed ("
                    + route.named() + ")";
            try (RawHttp request = RawHttp.send(route.method() + " " + route.path() + " HTTP/1.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + (route.limit() + 1), new byte[0])) {
                RawHttp.Answer answer = request.answer(ANSWER);
                assertThat(answer.status()).as(route.path()).isEqualTo(413);
                assertThat(answer.headers()).as(route.path()).containsEntry("connection", "close");
                assertThat(new JsonObject(answer.body()).getString("error")).as(route.path()).isEqualTo(expected);
            }
            if (route.limit() > MIB) {
                continue;
            }
            try (RawHttp request = RawHttp.send(route.method() + " " + route.path() + " HTTP/1.1\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked", chunked(route.limit() + 1))) {
                RawHttp.Answer answer = request.answer(ANSWER);
                assertThat(answer.status()).as(route.path() + " in chunks").isEqualTo(413);
                assertThat(new JsonObject(answer.body()).getString("error")).isEqualTo(expected);
            }
        }
    }

    @Test
    void aBodyAtARoutesLimitIsReadAndJudgedOnWhatItSays() throws IOException {
        for (Limited route : ROUTES) {
            if (route.limit() > MIB) {
                continue;
            }
            byte[] body = new byte[route.limit()];
            Arrays.fill(body, (byte) 'x');
            try (RawHttp request = RawHttp.send(route.method() + " " + route.path() + " HTTP/1.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length, body)) {
                RawHttp.Answer answer = request.answer(ANSWER);
                assertThat(answer.status()).as(route.path() + ": " + answer.body()).isLessThan(500)
                        .isNotEqualTo(413);
            }
        }
    }

    @Test
    void brokenChunksAndAClientGoneMidBodyLeaveNothingInTheLog() throws IOException, InterruptedException {
        try (LoggedWarnings warnings = LoggedWarnings.capture()) {
            for (Limited route : ROUTES) {
                try (RawHttp request = RawHttp.send(route.method() + " " + route.path() + " HTTP/1.1\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked",
                        "5\r\n{\"a\":\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII))) {
                    try {
                        RawHttp.Answer answer = request.answer(ANSWER);
                        assertThat(answer.status()).as(route.path()).isEqualTo(400);
                        assertThat(new JsonObject(answer.body()).getString("error"))
                                .startsWith("request body: unreadable: ");
                    } catch (IOException closed) {
                        // the HTTP layer closes a connection whose framing it cannot read, and the answer may not
                        // get out
                    }
                }
                try (RawHttp request = RawHttp.send(route.method() + " " + route.path() + " HTTP/1.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 1000",
                        "{\"a\":".getBytes(StandardCharsets.US_ASCII))) {
                    Thread.sleep(50);
                }
            }
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> warnings.messages().isEmpty());
        }
    }

    /** A body of {@code length} bytes in chunks of 64 KiB, the last one shorter. */
    private static byte[] chunked(int length) {
        StringBuilder body = new StringBuilder();
        for (int sent = 0; sent < length; sent += KIB_64) {
            int size = Math.min(KIB_64, length - sent);
            body.append(Integer.toHexString(size)).append("\r\n").append("x".repeat(size)).append("\r\n");
        }
        return body.append("0\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }
}
