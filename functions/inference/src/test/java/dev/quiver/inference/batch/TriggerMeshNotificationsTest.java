package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.binary;
import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.Readiness;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TriggerMesh's AWSS3Source: CloudEvents whose data is one S3 record, the type naming the event. */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class TriggerMeshNotificationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void anObjectCreatedEventIsAnsweredWithItsCompletionEvent() throws Exception {
        String key = "lines/triggermesh " + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(3));
        Response response = binary(event("com.amazon.s3.objectcreated", "ObjectCreated:Put", key, etag));
        response.then().statusCode(200);
        assertThat(response.header("ce-type")).isEqualTo("dev.quiver.inference.batch.completed");
        JsonNode completed = JSON.readTree(response.asByteArray());
        assertThat(completed.get("input").asText()).isEqualTo("s3://incoming/" + key);
        assertThat(completed.get("succeeded").asLong()).isEqualTo(3);
    }

    @Test
    void testAndOtherEventsAreAnsweredWithoutWork() {
        String key = "lines/triggermesh-removed-" + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(1));
        binary(CloudEventBuilder.v1().withId("1").withSource(URI.create("arn:aws:s3:::incoming"))
                .withType("com.amazon.s3.testevent").withDataContentType("application/json")
                .withData(NotificationFixture.of("s3-test-event.json").with("bucket", "incoming").body()
                        .getBytes(StandardCharsets.UTF_8)).build())
                .then().statusCode(200).body("completed", hasSize(0)).body("records[0].reason", equalTo("test-event"));
        binary(event("com.amazon.s3.objectremoved", "ObjectRemoved:Delete", key, etag)).then().statusCode(200)
                .body("completed", hasSize(0)).body("records[0].reason", equalTo("not-object-created"));
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + key)).isEmpty();
    }

    private static CloudEvent event(String type, String eventName, String key, String etag) {
        String record = NotificationFixture.of("triggermesh-s3-record.json").with("eventName", eventName)
                .with("bucket", "incoming").with("key", URLEncoder.encode(key, StandardCharsets.UTF_8))
                .with("etag", etag).with("size", 512).body();
        return CloudEventBuilder.v1().withId(UUID.randomUUID().toString())
                .withSource(URI.create("arn:aws:s3:::incoming")).withSubject(key).withType(type)
                .withDataContentType("application/json").withData(record.getBytes(StandardCharsets.UTF_8)).build();
    }
}
