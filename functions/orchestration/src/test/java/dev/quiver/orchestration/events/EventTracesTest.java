package dev.quiver.orchestration.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Traces and JSON logs, both turned on as an operator would. One trace from the event that asks for a run to the events the run sends and the function its step calls, with
 * tracing on (OpenTelemetry SDK, spans kept in memory): the run request is processed in a span that continues the
 * trace its {@code traceparent} names; the step it dispatches is sent to the broker and started here in spans under
 * that one, across the outbox; the step's call to its function carries the trace on; and so does the run's end. A log
 * line of an event's handling is a JSON object whose log context names the request, the trace and span, the run and
 * the step.
 */
@QuarkusTest
@TestProfile(EventTracesTest.Traced.class)
class EventTracesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aRunRequestsTraceFollowsItsStepAcrossTheOutboxToTheFunctionItCalls() {
        String traceId = hex(16);
        String senderSpan = hex(8);
        String requestId = UUID.randomUUID().toString();
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", requestId)
                .header("ce-traceparent", "00-" + traceId + "-" + senderSpan + "-01")
                .contentType("application/json").body("{\"pipeline\":\"traced\"}")
                .post("/").then().statusCode(204);

        List<EventSink.Received> sent = await().atMost(Duration.ofSeconds(20)).until(() -> Traced.sink.events()
                .stream().filter(event -> traceId.equals(traceIdOf(event))).toList(), events -> events.stream()
                .anyMatch(event -> EventTypes.PIPELINE_RUN_COMPLETED.equals(event.type())));
        // the step's event twice: published to the broker, and sent to the function the step calls
        assertThat(sent).extracting(EventSink.Received::type).contains(EventTypes.STEP_DISPATCHED,
                EventTypes.STEP_DISPATCHED, EventTypes.PIPELINE_RUN_COMPLETED);
        assertThat(Traced.sink.problems()).isEmpty();

        SpanData request = await().atMost(Duration.ofSeconds(10)).until(() -> span("process "
                + EventTypes.PIPELINE_RUN_REQUESTED, traceId), Optional::isPresent).orElseThrow();
        assertThat(request.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(request.getParentSpanId()).as("continues the sender's span").isEqualTo(senderSpan);
        assertThat(request.getAttributes().asMap().values()).contains(requestId);
        // the HTTP request that brought the event began a trace of its own: linked, not lost
        List<String> linked = request.getLinks().stream().map(LinkData::getSpanContext)
                .map(context -> context.getSpanId()).toList();
        assertThat(spans.getFinishedSpanItems()).filteredOn(span -> span.getKind() == SpanKind.SERVER)
                .extracting(SpanData::getSpanId).containsAnyElementsOf(linked);

        SpanData started = await().atMost(Duration.ofSeconds(10)).until(() -> span("process "
                + EventTypes.STEP_DISPATCHED, traceId), Optional::isPresent).orElseThrow();
        assertThat(started.getParentSpanId()).as("the outbox kept the request's context for the relay")
                .isEqualTo(request.getSpanId());

        for (EventSink.Received event : sent) {
            String parent = event.attributes().get("traceparent").split("-")[2];
            SpanData send = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                    .filter(span -> span.getSpanId().equals(parent)).findFirst(), Optional::isPresent).orElseThrow();
            assertThat(send.getName()).isEqualTo("send " + event.type());
            assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(send.getTraceId()).isEqualTo(traceId);
            if (EventTypes.STEP_DISPATCHED.equals(event.type())) {
                // to the broker, straight from the request's outbox row; to the function, from the step started
                assertThat(send.getParentSpanId()).isIn(request.getSpanId(), started.getSpanId());
            }
        }
        assertThat(sent.stream().filter(event -> EventTypes.STEP_DISPATCHED.equals(event.type()))
                .map(event -> parentOf(event.attributes().get("traceparent").split("-")[2])))
                .containsExactlyInAnyOrder(request.getSpanId(), started.getSpanId());
    }

    @Test
    void aJsonLogLineOfAnEventsHandlingCarriesTheRequestTraceSpanRunAndStep() throws IOException {
        String runRequest = UUID.randomUUID().toString();
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", runRequest).contentType("application/json")
                .body("{\"pipeline\":\"held\"}").post("/").then().statusCode(204);
        String run = RunCoordinator.runId("/tests", runRequest);
        await().atMost(Duration.ofSeconds(20)).until(() -> Traced.sink.events().stream().anyMatch(event ->
                EventTypes.STEP_DISPATCHED.equals(event.type()) && run.equals(event.attributes().get("runid"))));

        String requestId = "log-test-" + UUID.randomUUID();
        given().header("X-Request-Id", requestId).header("ce-specversion", "1.0")
                .header("ce-type", EventTypes.STEP_FAILED).header("ce-source", "/executors/test")
                .header("ce-id", UUID.randomUUID().toString()).contentType("application/json")
                .body("{\"runId\":\"" + run + "\",\"instance\":\"train\",\"attempt\":1,"
                        + "\"errorClass\":\"NetworkError\",\"message\":\"connection reset\"}")
                .post("/").then().statusCode(204).header("X-Request-Id", requestId);

        JsonNode line = await().atMost(Duration.ofSeconds(10)).until(() -> logLines().stream()
                .filter(logged -> logged.path("message").asText().contains("train attempt 1 failed"))
                .findFirst(), Optional::isPresent).orElseThrow();
        JsonNode context = line.path("mdc");
        assertThat(context.path("requestId").asText()).isEqualTo(requestId);
        assertThat(context.path("runId").asText()).isEqualTo(run);
        assertThat(context.path("stepId").asText()).isEqualTo("train");
        // the line was logged in the span that handled the event
        SpanData handling = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getSpanId().equals(context.path("spanId").asText())).findFirst(),
                Optional::isPresent).orElseThrow();
        assertThat(handling.getName()).isEqualTo("process " + EventTypes.STEP_FAILED);
        assertThat(context.path("traceId").asText()).isEqualTo(handling.getTraceId());
    }

    /**
     * The JSON log file's lines, each a JSON object (one that is not fails the test). A line counts once its newline
     * is written: the function may be writing the last one as it is read, even in the middle of a character (so the
     * bytes are decoded leniently, not by the strict reader of {@code Files.readAllLines}).
     */
    private static List<JsonNode> logLines() throws IOException {
        String text = new String(Files.readAllBytes(Traced.LOG), StandardCharsets.UTF_8);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private String parentOf(String spanId) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getSpanId().equals(spanId)).findFirst()
                .map(SpanData::getParentSpanId).orElse("none");
    }

    private Optional<SpanData> span(String name, String traceId) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals(name) && span.getTraceId().equals(traceId)).findFirst();
    }

    private static String traceIdOf(EventSink.Received event) {
        String traceparent = event.attributes().get("traceparent");
        return traceparent == null ? null : traceparent.split("-")[1];
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Tracing on, spans kept in memory only; a broker (the sink) and a function step that calls it. */
    public static class Traced implements QuarkusTestProfile {

        static volatile EventSink sink;
        /** The console's JSON lines are not at hand in this JVM; the same lines go to this file. */
        static final Path LOG = Path.of("target", "json-logs", "orchestration.log").toAbsolutePath();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.exporter.otlp.enabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms",
                    "quarkus.log.console.json.enabled", "true",
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.json.enabled", "true",
                    "quarkus.log.file.path", LOG.toString());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Resources.class));
        }
    }

    public static class Resources implements QuarkusTestResourceLifecycleManager {

        private Path state;

        @Override
        public Map<String, String> start() {
            Traced.sink = new EventSink();
            try {
                state = Files.createTempDirectory("quiver-traces");
                Path pipelines = Files.createDirectories(state.resolve("pipelines"));
                Files.writeString(pipelines.resolve("traced.yaml"), """
                        pipeline: traced
                        version: 1
                        steps:
                          - {name: call, executor: function, params: {url: "%sreport"}}
                        """.formatted(Traced.sink.uri()));
                // a step run by an executor elsewhere, which reports to the function
                Files.writeString(pipelines.resolve("held.yaml"), """
                        pipeline: held
                        version: 1
                        steps:
                          - {name: train, executor: kubernetes-job}
                        """);
                Files.deleteIfExists(Traced.LOG);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.state", state.toString(),
                    "quiver.orchestration.pipelines", state.resolve("pipelines").toString(),
                    "quiver.orchestration.sink", Traced.sink.uri().toString(),
                    "quiver.orchestration.relay-interval", "50ms");
        }

        @Override
        public void stop() {
            Traced.sink.close();
        }
    }
}
