package dev.quiver.inference.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Over real HTTP, a body reaches the endpoint whole, byte for byte, in one array of exactly its size whether it comes
 * with its length or in chunks; a body over the limit fails the request with a 413 naming the limit as it arrives, and
 * the connection closes.
 */
class SizedBodyHandlerTest {

    private static final int LIMIT = 1_000_000;

    private Vertx vertx;
    private HttpClient client;
    private int port;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.post("/").handler(new SizedBodyHandler(LIMIT, "the test's limit")).handler(context -> {
            Buffer body = context.body().buffer();
            byte[] array = body.getByteBuf().array();
            context.json(new JsonObject().put("length", body.length()).put("array", array.length)
                    .put("hash", Arrays.hashCode(array)));
        }).failureHandler(context -> context.response().setStatusCode(context.statusCode())
                .end(context.failure() == null ? "" : context.failure().getMessage()));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = server.actualPort();
        client = vertx.createHttpClient();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBodyWithItsLengthArrivesInOneArrayOfItsSize() throws Exception {
        byte[] body = randomBytes(284_000);
        JsonObject seen = post(body, false);
        assertThat(seen.getInteger("length")).isEqualTo(body.length);
        assertThat(seen.getInteger("array")).as("not the doubled aggregate of 512 KB").isEqualTo(body.length);
        assertThat(seen.getInteger("hash")).isEqualTo(Arrays.hashCode(body));
    }

    @Test
    void aBodyInChunksArrivesInOneArrayOfItsSize() throws Exception {
        byte[] body = randomBytes(300_001);
        JsonObject seen = post(body, true);
        assertThat(seen.getInteger("array")).isEqualTo(body.length);
        assertThat(seen.getInteger("hash")).isEqualTo(Arrays.hashCode(body));
    }

    @Test
    void anEmptyBodyIsAnEmptyArray() throws Exception {
        assertThat(post(new byte[0], false).getInteger("array")).isZero();
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws Exception {
        HttpClientRequest request = request(true);
        request.write(Buffer.buffer(randomBytes(LIMIT)));
        request.end(Buffer.buffer(new byte[1]));
        Answer answer = answer(request);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.connection()).isEqualTo("close");
        assertThat(answer.body().toString())
                .isEqualTo("request body: the body sent is more than the 1000000 bytes allowed (the test's limit)");
    }

    private JsonObject post(byte[] body, boolean chunked) throws Exception {
        HttpClientRequest request = request(chunked);
        if (chunked) {
            // pieces of a prime size, so that no chunk lines up with the server's reads
            for (int at = 0; at < body.length; at += 7_919) {
                request.write(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + 7_919))));
            }
            request.end();
        } else {
            request.end(Buffer.buffer(body));
        }
        Answer answer = answer(request);
        assertThat(answer.status()).isEqualTo(200);
        return answer.body().toJsonObject();
    }

    private HttpClientRequest request(boolean chunked) throws Exception {
        return client.request(HttpMethod.POST, port, "127.0.0.1", "/").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).setChunked(chunked);
    }

    /** The answer, its body taken as it arrives: asked for later, a body already in would be missed. */
    private static Answer answer(HttpClientRequest request) throws Exception {
        return request.response().compose(response -> response.body().map(body -> new Answer(response.statusCode(),
                response.getHeader("Connection"), body))).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private record Answer(int status, String connection, Buffer body) {
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
