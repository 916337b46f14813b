package dev.quiver.admission.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.testservices.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Over real HTTP, a body reaches the endpoint whole, byte for byte, in one array of exactly its size whether it comes
 * with its length or in chunks, on a route with a reader of its own and on every other; whatever the client does wrong
 * with its body is answered as its mistake, with the {@code error} body, and never reaches the router's failure
 * handler (where it would be logged as an error of ours).
 */
class SizedBodyHandlerTest {

    private static final int LIMIT = 1_000_000;
    private static final int OWN_LIMIT = 1_000;
    private static final Duration ANSWER = Duration.ofSeconds(10);

    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<String> served = new CopyOnWriteArrayList<>();
    private Vertx vertx;
    private HttpClient client;
    private int port;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        // the order the functions install them in: an endpoint's own reader, then the function's for every route
        new SizedBodyHandler(OWN_LIMIT, "the endpoint's limit").install(router, HttpMethod.POST, "/own");
        new SizedBodyHandler(LIMIT, "the test's limit").installEverywhere(router);
        router.route().order(AdmissionLayer.ROUTE_ORDER + 1).handler(context -> {
            served.add(context.request().path());
            byte[] array = SizedBodyHandler.bytes(context);
            context.response().end(context.body().length() + " " + array.length + " " + Arrays.hashCode(array));
        }).failureHandler(context -> {
            failures.add(context.statusCode() + " " + context.failure());
            context.response().setStatusCode(500).end();
        });
        port = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).actualPort();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() throws Exception {
        assertThat(failures).as("requests that reached the failure handler").isEmpty();
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBodyWithItsLengthArrivesInOneArrayOfItsSize() throws Exception {
        byte[] body = randomBytes(284_000);
        Seen seen = post(HttpRequest.BodyPublishers.ofByteArray(body));
        assertThat(seen.length()).isEqualTo(body.length);
        assertThat(seen.array()).as("not the doubled aggregate of 512 KB").isEqualTo(body.length);
        assertThat(seen.hash()).isEqualTo(Arrays.hashCode(body));
    }

    @Test
    void aBodyInChunksArrivesInOneArrayOfItsSize() throws Exception {
        byte[] body = randomBytes(300_001);
        // a body of unknown length is sent in chunks
        Seen seen = post(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        assertThat(seen.array()).isEqualTo(body.length);
        assertThat(seen.hash()).isEqualTo(Arrays.hashCode(body));
    }

    @Test
    void anEmptyBodyIsAnEmptyArray() throws Exception {
        assertThat(post(HttpRequest.BodyPublishers.noBody()).array()).isZero();
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws IOException {
        try (RawHttp request = RawHttp.send(port, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked", new byte[0])) {
            try {
                for (int sent = 0; sent <= LIMIT; sent += 0x10000) {
                    request.sendMore(("10000\r\n").getBytes(StandardCharsets.US_ASCII));
                    request.sendMore(randomBytes(0x10000));
                    request.sendMore("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException refusedMidway) {
                // the answer may close the connection before the whole body is written
            }
            RawHttp.Answer answer = request.answer(ANSWER);
            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.headers()).containsEntry("connection", "close")
                    .containsEntry("content-type", "application/json");
            assertThat(answer.body()).isEqualTo("{\"error\":\"request body: the body sent is more than the 1000000 "
                    + "bytes allowed (the test's limit)\"}");
        }
    }

    @Test
    void aBodyWhoseLengthIsOverTheLimitIs413BeforeItIsSent() throws IOException {
        try (RawHttp request = RawHttp.send(port, "POST / HTTP/1.1\r\nContent-Length: " + (LIMIT + 1),
                new byte[0])) {
            RawHttp.Answer answer = request.answer(ANSWER);
            assertThat(answer.status()).as("answered with no byte of the body sent").isEqualTo(413);
            assertThat(answer.body()).endsWith("more than the 1000000 bytes allowed (the test's limit)\"}");
        }
    }

    @Test
    void anyMethodAndPathIsRead() throws Exception {
        byte[] body = randomBytes(5_000);
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/pipelines/digits")).timeout(ANSWER).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).isEqualTo(body.length + " " + body.length + " " + Arrays.hashCode(body));
    }

    @Test
    void anEndpointsOwnReaderKeepsItsLowerLimit() throws Exception {
        assertThat(post("/own", HttpRequest.BodyPublishers.ofByteArray(randomBytes(OWN_LIMIT))).length())
                .isEqualTo(OWN_LIMIT);
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/own")).timeout(ANSWER).POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(OWN_LIMIT + 1)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).isEqualTo("{\"error\":\"request body: the body sent is more than the 1000 bytes "
                + "allowed (the endpoint's limit)\"}");
    }

    @Test
    void brokenChunksAreTheClientsMistake() throws IOException {
        try (RawHttp request = RawHttp.send(port, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked",
                "5\r\n{\"a\":\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII))) {
            RawHttp.Answer answer = request.answer(ANSWER);
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).startsWith("{\"error\":\"request body: unreadable: ");
        } catch (IOException closed) {
            // the HTTP layer closes a connection whose framing it cannot read, and the answer may not get out
        }
        assertThat(served).isEmpty();
    }

    @Test
    void anExpectationOtherThanContinueIs417() throws IOException {
        try (RawHttp request = RawHttp.send(port, "POST / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 2",
                new byte[0])) {
            RawHttp.Answer answer = request.answer(ANSWER);
            assertThat(answer.status()).isEqualTo(417);
            assertThat(answer.body()).isEqualTo("{\"error\":\"Expect: only 100-continue is supported, got 200-ok\"}");
        }
    }

    @Test
    void aClientGoneMidBodyIsNoFailure() throws Exception {
        try (RawHttp ignored = RawHttp.send(port, "PUT /pipelines/digits HTTP/1.1\r\nContent-Length: 1000",
                "{\"a\":".getBytes(StandardCharsets.US_ASCII))) {
            Thread.sleep(200);
        }
        // a request after it is served on a new connection, and the one left behind never reached an endpoint
        assertThat(post(HttpRequest.BodyPublishers.ofByteArray(randomBytes(10))).length()).isEqualTo(10);
        assertThat(served).containsExactly("/");
    }

    private Seen post(HttpRequest.BodyPublisher body) throws Exception {
        return post("/", body);
    }

    private Seen post(String path, HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(ANSWER).POST(body).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String[] fields = answer.body().split(" ");
        return new Seen(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), Integer.parseInt(fields[2]));
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }

    /** What the endpoint saw: the body's length, the length of the array holding it, and the array's hash. */
    private record Seen(int length, int array, int hash) {
    }
}
