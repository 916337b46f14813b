package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.events.EventTypes;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One trace from a storage notification to its shards and its completion, with tracing on (OpenTelemetry SDK, spans
 * kept in memory): the notification's request sends each shard event in a span under it, each shard delivered back is
 * processed under the span that sent it, and the completion event goes on from the last shard's processing.
 */
@QuarkusTest
@TestProfile(BrokerShardTracesTest.Traced.class)
class BrokerShardTracesTest {

    @Inject
    InMemorySpanExporter spans;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
        BrokerBuckets.SENT.clear();
    }

    @Test
    void aNotificationsTraceFollowsItsShardsThroughTheBrokerToTheCompletion() {
        String traceId = hex(16);
        String notifier = hex(8);
        String key = "sharded-lines/" + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(40));
        given().header("traceparent", "00-" + traceId + "-" + notifier + "-01").contentType("application/json")
                .body("""
                        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                        "s3":{"bucket":{"name":"incoming"},"object":{"key":"%s","size":1024,"eTag":"%s"}}}]}
                        """.formatted(URLEncoder.encode(key, StandardCharsets.UTF_8), etag))
                .post("/storage-notifications").then().statusCode(200);
        List<BrokerBuckets.Sent> shards = new ArrayList<>(BrokerBuckets.SENT);
        assertThat(shards).isNotEmpty();

        SpanData notification = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems()
                .stream().filter(span -> span.getKind() == SpanKind.SERVER && span.getTraceId().equals(traceId)
                        && notifier.equals(span.getParentSpanId())).findFirst(), Optional::isPresent).orElseThrow();
        for (BrokerBuckets.Sent shard : shards) {
            String[] carried = shard.header("ce-traceparent").split("-");
            assertThat(carried[1]).as("the shard is in the notification's trace").isEqualTo(traceId);
            SpanData send = span(carried[2]);
            assertThat(send.getName()).isEqualTo("send " + EventTypes.INFERENCE_SHARD_REQUESTED);
            assertThat(send.getParentSpanId()).isEqualTo(notification.getSpanId());
            assertThat(shard.header("traceparent")).as("and its HTTP request too")
                    .isEqualTo(shard.header("ce-traceparent"));
        }

        Response completion = null;
        for (BrokerBuckets.Sent shard : shards) {
            completion = deliver(shard);
        }
        completion.then().statusCode(200).header("ce-type", EventTypes.INFERENCE_BATCH_COMPLETED);
        String[] carried = completion.header("ce-traceparent").split("-");
        assertThat(carried[1]).isEqualTo(traceId);
        SpanData lastShard = span(carried[2]);
        assertThat(lastShard.getName()).isEqualTo("process " + EventTypes.INFERENCE_SHARD_REQUESTED);
        assertThat(lastShard.getParentSpanId()).as("processed under the span that sent it")
                .isEqualTo(shards.getLast().header("ce-traceparent").split("-")[2]);
    }

    @Test
    void aBatchOfNotificationsIsProcessedUnderItsRequestAndLinkedToTheTraceOfEach() {
        String traceId = hex(16);
        List<String> notified = List.of(hex(16), hex(16));
        StringBuilder batch = new StringBuilder("[");
        for (String notifier : notified) {
            String key = "lines/traced-batch-" + UUID.randomUUID() + ".jsonl";
            S3Buckets.upload(key, jsonLines(3));
            batch.append(batch.length() > 1 ? "," : "").append(blobCreated(key, "00-" + notifier + "-" + hex(8)
                    + "-01"));
        }
        given().header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")
                .contentType("application/cloudevents-batch+json").body(batch.append("]").toString())
                .post("/storage-notifications").then().statusCode(200).body("completed", hasSize(2));

        SpanData process = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals("process Microsoft.Storage.BlobCreated")
                        && span.getTraceId().equals(traceId)).findFirst(), Optional::isPresent).orElseThrow();
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(process.getLinks()).as("linked to the trace each notification carries")
                .extracting(link -> link.getSpanContext().getTraceId()).containsExactlyElementsOf(notified);
    }

    /** An Azure Blob Storage notification of a new blob, as Event Grid sends it in CloudEvents, carrying a trace. */
    private static String blobCreated(String key, String traceparent) {
        return NotificationFixture.of("azure-cloudevent-blob-event.json").with("eventType",
                        "Microsoft.Storage.BlobCreated").with("api", "PutBlob").with("id", UUID.randomUUID())
                .with("bucket", "incoming").with("key", key).with("urlKey", key).with("etag", "0x8DA2")
                .with("size", 512).body().replaceFirst("\\{", "{\"traceparent\": \"" + traceparent + "\",");
    }

    private SpanData span(String spanId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getSpanId().equals(spanId)).findFirst(), Optional::isPresent).orElseThrow();
    }

    /** As a Trigger delivers it: the event's own attributes, not the sender's HTTP trace headers. */
    private static Response deliver(BrokerBuckets.Sent event) {
        RequestSpecification spec = given();
        event.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("ce-") || lower.equals("content-type")) {
                spec.header(name, values.getFirst());
            }
        });
        return spec.body(event.body()).post("/storage-notifications");
    }

    private static String jsonLines(int rows) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            lines.append(Digits.pixelsJson(i)).append('\n');
        }
        return lines.toString();
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Tracing on, spans kept in memory only; a broker that keeps what it is sent. */
    public static class Traced implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.exporter.otlp.enabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BrokerBuckets.class));
        }
    }
}
