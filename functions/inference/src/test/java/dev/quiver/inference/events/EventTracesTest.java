package dev.quiver.inference.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.events.EventTypes;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An inference request event's trace goes on through the function into its reply, with tracing on (OpenTelemetry SDK,
 * spans kept in memory): the request is processed in a span under the sender's, and the reply, which the broker
 * publishes as the next event, carries that span's context in {@code traceparent}.
 */
@QuarkusTest
@TestProfile(EventTracesTest.Traced.class)
class EventTracesTest {

    @Inject
    InMemorySpanExporter spans;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aSenderTracingItsHttpRequestGetsTheEventProcessedUnderItsRequestAndTheReplyAfterIt() {
        String traceId = hex(16);
        String senderSpan = hex(8);
        String traceparent = "00-" + traceId + "-" + senderSpan + "-01";
        // a traced sender (Quiver's own, or a broker) names its span in the HTTP headers and in the event
        Response reply = request(UUID.randomUUID().toString()).header("traceparent", traceparent)
                .header("ce-traceparent", traceparent).post("/");
        reply.then().statusCode(200).header("ce-type", EventTypes.INFERENCE_COMPLETED);

        SpanData server = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getKind() == SpanKind.SERVER && span.getTraceId().equals(traceId))
                .findFirst(), Optional::isPresent).orElseThrow();
        assertThat(server.getParentSpanId()).isEqualTo(senderSpan);
        SpanData process = processSpan(traceId);
        assertThat(process.getParentSpanId()).as("nested under the HTTP request in the same trace")
                .isEqualTo(server.getSpanId());
        assertThat(reply.header("ce-traceparent")).as("the reply goes on from the processing")
                .isEqualTo("00-" + traceId + "-" + process.getSpanId() + "-01");
    }

    @Test
    void anEventFromABrokerTracingItsOwnHopsContinuesTheEventsTraceAndLinksTheDelivery() {
        String traceId = hex(16);
        String producerSpan = hex(8);
        String brokerTrace = hex(16);
        Response reply = request(UUID.randomUUID().toString())
                .header("traceparent", "00-" + brokerTrace + "-" + hex(8) + "-01")
                .header("ce-traceparent", "00-" + traceId + "-" + producerSpan + "-01").post("/");
        reply.then().statusCode(200);

        SpanData process = processSpan(traceId);
        assertThat(process.getParentSpanId()).isEqualTo(producerSpan);
        assertThat(process.getLinks()).extracting(LinkData::getSpanContext)
                .anyMatch(context -> context.getTraceId().equals(brokerTrace));
        assertThat(reply.header("ce-traceparent")).startsWith("00-" + traceId + "-" + process.getSpanId());
    }

    private SpanData processSpan(String traceId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals("process " + EventTypes.INFERENCE_REQUESTED)
                        && span.getTraceId().equals(traceId)).findFirst(), Optional::isPresent).orElseThrow();
    }

    private static io.restassured.specification.RequestSpecification request(String id) {
        return given().header("ce-specversion", "1.0").header("ce-id", id).header("ce-source", "/tests/traces")
                .header("ce-type", EventTypes.INFERENCE_REQUESTED).contentType("application/json")
                .body("{\"model\":\"digits\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,64],"
                        + "\"data\":[" + Digits.pixelsJson(3) + "]}]}");
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Tracing on, spans kept in memory only. */
    public static class Traced implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.exporter.otlp.enabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StandardRepository.class));
        }
    }
}
