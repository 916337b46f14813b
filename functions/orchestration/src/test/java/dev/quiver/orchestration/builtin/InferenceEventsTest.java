package dev.quiver.orchestration.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.quiver.events.EventCodec;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.tracing.EventTracing;
import io.cloudevents.core.builder.CloudEventBuilder;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the aggregate step talks to the inference function: over real HTTP to a server that answers as the inference
 * function's CloudEvent endpoint does, scripted answer by answer to reach the cases a running function reaches only
 * by timing (a version not served yet, one retired meanwhile, an overloaded replica).
 */
class InferenceEventsTest {

    private static final String COMPLETED = "{\"model\":\"m\",\"modelVersion\":\"2\",\"outputs\":[{\"name\":\"output\","
            + "\"datatype\":\"FP32\",\"shape\":[2,3],\"data\":[0.1,0.7,0.2,0.6,0.3,0.1]}]}";
    private static final String NOT_FOUND = "{\"model\":\"m\",\"version\":\"2\",\"error\":\"model \\\"m\\\" has no "
            + "version \\\"2\\\"\",\"reason\":\"not-found\"}";

    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<String> ids = new ArrayList<>();
    private final List<String> bodies = new ArrayList<>();
    private HttpServer server;
    private InferenceEvents inference;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        inference = events(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aVersionNotServedYetIsAskedForAgainAsNewEventsUntilItAnswers() throws Exception {
        script.add(new Answer(200, "dev.quiver.inference.failed", NOT_FOUND));
        script.add(new Answer(503, null, "{\"error\":\"loading\"}"));
        script.add(new Answer(200, "dev.quiver.inference.completed", COMPLETED));

        float[][] answer = inference.predict("m", "2", "input", "output", rows(), true, Duration.ofSeconds(10),
                () -> false);

        assertThat(answer).isEqualTo(new float[][] {{0.1f, 0.7f, 0.2f}, {0.6f, 0.3f, 0.1f}});
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        assertThat(bodies.getFirst()).contains("\"model\":\"m\"", "\"version\":\"2\"", "\"shape\":[2,2]",
                "\"data\":[1.0,2.0,3.0,4.0]", "\"outputs\":[\"output\"]");
    }

    @Test
    void aRequestTheFunctionCallsInvalidFailsAtOnce() {
        script.add(new Answer(200, "dev.quiver.inference.failed", "{\"model\":\"m\",\"error\":\"inputs[0].shape: "
                + "expected [-1, 64], got [2, 2]\",\"reason\":\"invalid-input\"}"));

        assertThatThrownBy(() -> inference.predict("m", "2", "input", "output", rows(), true, Duration.ofSeconds(10),
                () -> false))
                .isInstanceOfSatisfying(BuiltInStepException.class, e -> assertThat(e.errorClass())
                        .isEqualTo("InferenceRefused"))
                .hasMessageContaining("expected [-1, 64]");
        assertThat(ids).hasSize(1);
    }

    @Test
    void aVersionThatAnsweredBeforeAndIsNotFoundNowWasRetiredAndFailsAtOnce() {
        script.add(new Answer(200, "dev.quiver.inference.failed", NOT_FOUND));

        assertThatThrownBy(() -> inference.predict("m", "2", "input", "output", rows(), false, Duration.ofSeconds(10),
                () -> false))
                .isInstanceOfSatisfying(BuiltInStepException.class, e -> assertThat(e.errorClass())
                        .isEqualTo("InferenceRefused"))
                .hasMessageContaining("no longer served");
    }

    @Test
    void aVersionItsOwnRunRetiredIsNotWaitedFor() {
        script.add(new Answer(200, "dev.quiver.inference.failed", NOT_FOUND));
        long started = System.nanoTime();

        assertThatThrownBy(() -> inference.predict("m", "2", "input", "output", rows(), true, Duration.ofSeconds(10),
                () -> true)).isInstanceOfSatisfying(BuiltInStepException.class, e -> assertThat(e.errorClass())
                        .isEqualTo(InferenceEvents.VERSION_RETIRED))
                .hasMessageContaining("publishes again");
        assertThat(ids).hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not the 10 s a version not served yet gets")
                .isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void anAnswerThatDoesNotFitTheRowsIsRefused() {
        script.add(new Answer(200, "dev.quiver.inference.completed", COMPLETED.replace("[2,3]", "[3,2]")));

        assertThatThrownBy(() -> inference.predict("m", "2", "input", "output", rows(), true, Duration.ofSeconds(10),
                () -> false))
                .isInstanceOf(BuiltInStepException.class).hasMessageContaining("expected [2, classes]");
    }

    @Test
    void aFunctionThatNeverAnswersIsUnavailableAfterTheReadyTimeout() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        InferenceEvents nowhere = events(URI.create("http://127.0.0.1:" + closed + "/"));
        long started = System.nanoTime();

        assertThatThrownBy(() -> nowhere.predict("m", "2", "input", "output", rows(), true, Duration.ofSeconds(2),
                () -> false))
                .isInstanceOfSatisfying(BuiltInStepException.class, e -> assertThat(e.errorClass())
                        .isEqualTo("InferenceUnavailable"))
                .hasMessageContaining("did not answer within 2s").hasMessageContaining("not reachable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofSeconds(1),
                Duration.ofSeconds(5));
    }

    private static InferenceEvents events(URI endpoint) {
        return new InferenceEvents(new CloudEventSender(HttpClient.newHttpClient(), EventTracing.off()), new EventCodec(Clock.systemUTC()),
                endpoint, URI.create("/tests"), Clock.systemUTC());
    }

    private static List<float[]> rows() {
        return List.of(new float[] {1, 2}, new float[] {3, 4});
    }

    private void answer(HttpExchange exchange) throws IOException {
        ids.add(exchange.getRequestHeaders().getFirst("ce-id"));
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Answer answer = script.isEmpty() ? new Answer(500, null, "{\"error\":\"script ended\"}") : script.poll();
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.type() == null) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            send(exchange, answer.status(), body);
            return;
        }
        // the reply event, in the binary mode the request came in, as the inference function writes it
        CloudEventHttp.write(CloudEventBuilder.v1().withId(UUID.randomUUID().toString())
                        .withSource(URI.create("/quiver/inference")).withType(answer.type())
                        .withDataContentType("application/json").withData(body).build(), CloudEventHttp.Mode.BINARY,
                exchange.getResponseHeaders()::add, data -> send(exchange, answer.status(), data));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) {
        try {
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Answer(int status, String type, String body) {
    }
}
