package dev.quiver.inference.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Over real HTTP, a body reaches the endpoint whole, byte for byte, in one array of exactly its size whether it comes
 * with its length or in chunks; a body over the limit fails the request with a 413 naming the limit, before it is sent
 * when its length says so, else as it arrives.
 */
class SizedBodyHandlerTest {

    private static final int LIMIT = 1_000_000;
    private static final Duration ANSWER = Duration.ofSeconds(10);

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
            context.response().end(body.length() + " " + array.length + " " + Arrays.hashCode(array));
        }).failureHandler(context -> context.response().setStatusCode(context.statusCode())
                .end(String.valueOf(context.failure() == null ? "" : context.failure().getMessage())));
        port = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).actualPort();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() throws Exception {
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
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) ANSWER.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                for (int sent = 0; sent <= LIMIT; sent += 0x10000) {
                    out.write("10000\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(randomBytes(0x10000));
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException refusedMidway) {
                // the answer may close the connection before the whole body is written
            }
            String answer = answer(socket.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close")
                    .endsWith("request body: the body sent is more than the 1000000 bytes allowed (the test's limit)");
        }
    }

    @Test
    void aBodyWhoseLengthIsOverTheLimitIs413BeforeItIsSent() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) ANSWER.toMillis());
            socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + (LIMIT + 1)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(answer(socket.getInputStream())).as("answered with no byte of the body sent")
                    .startsWith("HTTP/1.1 413").endsWith("more than the 1000000 bytes allowed (the test's limit)");
        }
    }

    private Seen post(HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(ANSWER).POST(body).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String[] fields = answer.body().split(" ");
        return new Seen(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), Integer.parseInt(fields[2]));
    }

    /** An answer's head and its body of Content-Length bytes. */
    private static String answer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the connection closed after " + head.length() + " bytes of an answer: " + head);
            }
            head.append((char) next);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
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
