package dev.quiver.events.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The trace context events carry and continue, by the CloudEvents distributed-tracing extension. */
class EventTracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SENDER = "00f067aa0ba902b7";
    private static final URI BROKER = URI.create("http://broker.example/quiver/default");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    private final EventTracing tracing = new EventTracing(sdk);

    @AfterEach
    void close() {
        sdk.close();
    }

    @Test
    void anEventSentCarriesTheSendSpanUnderTheCurrentOne() {
        Span work = sdk.getTracer("test").spanBuilder("work").startSpan();
        CloudEvent sent;
        try (Scope ignored = work.makeCurrent()) {
            Span send = tracing.startSend(event(null), BROKER);
            sent = EventTracing.carrying(event(null), send);
            send.end();
        } finally {
            work.end();
        }
        SpanData send = named("send dev.quiver.test");
        assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(send.getParentSpanId()).isEqualTo(work.getSpanContext().getSpanId());
        assertThat(sent.getExtension("traceparent"))
                .isEqualTo("00-" + work.getSpanContext().getTraceId() + "-" + send.getSpanId() + "-01");
    }

    @Test
    void anEventStoredWithItsContextIsSentUnderThatContextNotTheSendersCurrentOne() {
        CloudEvent stored = event("00-" + TRACE + "-" + SENDER + "-01");
        tracing.startSend(stored, BROKER).end();
        SpanData send = named("send dev.quiver.test");
        assertThat(send.getTraceId()).isEqualTo(TRACE);
        assertThat(send.getParentSpanId()).isEqualTo(SENDER);
    }

    @Test
    void aReceivedEventIsProcessedUnderTheSpanItCarries() {
        Span process = tracing.startProcess(event("00-" + TRACE + "-" + SENDER + "-01"));
        process.end();
        SpanData data = named("process dev.quiver.test");
        assertThat(data.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(data.getTraceId()).isEqualTo(TRACE);
        assertThat(data.getParentSpanId()).isEqualTo(SENDER);
        assertThat(data.getAttributes().asMap().values()).contains("event-1", "dev.quiver.test");
    }

    @Test
    void aBatchIsProcessedUnderTheRequestAndLinkedToEachTraceItsEventsCarry() {
        String otherTrace = "0af7651916cd43dd8448eb211c80319c";
        Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            tracing.startProcess(List.of(event("00-" + TRACE + "-" + SENDER + "-01"),
                    event("00-" + otherTrace + "-b7ad6b7169203331-01"), event(null))).end();
        } finally {
            request.end();
        }
        SpanData data = named("process dev.quiver.test");
        assertThat(data.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(data.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        assertThat(data.getLinks()).extracting(link -> link.getSpanContext().getTraceId() + "/"
                + link.getSpanContext().getSpanId()).containsExactly(TRACE + "/" + SENDER,
                otherTrace + "/b7ad6b7169203331");
        assertThat(data.getAttributes().get(EventTracing.BATCH_SIZE)).isEqualTo(3L);
    }

    @Test
    void aMalformedTraceparentIsIgnoredAndTheEventProcessedInATraceOfItsOwn() {
        tracing.startProcess(event("00-not-a-trace-01")).end();
        SpanData data = named("process dev.quiver.test");
        assertThat(data.getParentSpanContext().isValid()).isFalse();
    }

    @Test
    void theOutboxKeepsTheCurrentContextAndProcessesUnderIt() {
        assertThat(EventTracing.currentContext()).isEmpty();
        Span work = sdk.getTracer("test").spanBuilder("work").startSpan();
        Map<String, String> kept;
        try (Scope ignored = work.makeCurrent()) {
            kept = EventTracing.currentContext();
        } finally {
            work.end();
        }
        tracing.startProcess("dev.quiver.step.dispatched", kept).end();
        assertThat(named("process dev.quiver.step.dispatched").getParentSpanId())
                .isEqualTo(work.getSpanContext().getSpanId());
    }

    @Test
    void withTracingOffAnEventPassesOnTheContextItCameWithAndNoneIsMade() {
        EventTracing off = EventTracing.off();
        String carried = "00-" + TRACE + "-" + SENDER + "-01";
        CloudEvent received = event(carried);
        Span process = off.startProcess(received);
        try (Scope ignored = process.makeCurrent()) {
            CloudEvent next = event(null);
            assertThat(EventTracing.carrying(next, off.startSend(next, BROKER)).getExtension("traceparent"))
                    .isEqualTo(carried);
        }
        CloudEvent untraced = event(null);
        assertThat(EventTracing.carrying(untraced, off.startSend(untraced, BROKER))).isSameAs(untraced);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    private SpanData named(String name) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans.getFinishedSpanItems()));
    }

    private static CloudEvent event(String traceparent) {
        CloudEventBuilder builder = CloudEventBuilder.v1().withId("event-1").withSource(URI.create("/tests"))
                .withType("dev.quiver.test");
        if (traceparent != null) {
            builder.withExtension("traceparent", traceparent);
        }
        return builder.build();
    }
}
