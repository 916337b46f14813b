package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.binary;
import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static dev.quiver.inference.batch.NotificationRequests.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.inference.batch.notification.NotificationOutcomes;
import dev.quiver.inference.fixtures.Readiness;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Amazon EventBridge "Object Created" events from S3, posted directly and carried as a CloudEvent's data. */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class EventBridgeNotificationsTest {

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void anObjectCreatedEventStartsWorkDirectlyAndAsCloudEventData() {
        String key = "lines/eventbridge " + UUID.randomUUID() + " c++.jsonl";
        String etag = S3Buckets.upload(key, jsonLines(2));
        post(event("Object Created", "aws.s3", key, etag)).then().statusCode(200)
                .body("completed[0].input", equalTo("s3://incoming/" + key))
                .body("completed[0].inputVersion", equalTo(etag)).body("completed[0].succeeded", equalTo(2))
                .body("records[0].record", equalTo("notification"));
        assertThat(S3Buckets.exists("results", "predictions/digits/1/" + key + "." + etag + ".jsonl")).isTrue();

        String second = "lines/eventbridge-ce-" + UUID.randomUUID() + ".jsonl";
        String secondEtag = S3Buckets.upload(second, jsonLines(1));
        var response = binary(CloudEventBuilder.v1().withId(UUID.randomUUID().toString())
                .withSource(URI.create("arn:aws:events:ca-central-1:111122223333:event-bus/default"))
                .withType("aws.s3.Object Created").withDataContentType("application/json")
                .withData(event("Object Created", "aws.s3", second, secondEtag).getBytes(StandardCharsets.UTF_8))
                .build());
        response.then().statusCode(200);
        assertThat(response.header("ce-type")).isEqualTo("dev.quiver.inference.batch.completed");
        assertThat(S3Buckets.exists("results", "predictions/digits/1/" + second + "." + secondEtag + ".jsonl"))
                .isTrue();
    }

    @Test
    void otherDetailTypesAndOtherSourcesAreAnsweredWithoutWork() {
        String key = "lines/eventbridge-deleted-" + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(1));
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            post(event("Object Deleted", "aws.s3", key, etag)).then().statusCode(200).body("completed", hasSize(0))
                    .body("records[0].reason", equalTo("not-object-created"));
            post(event("Object Restore Completed", "aws.s3", key, etag)).then().statusCode(200)
                    .body("records[0].reason", equalTo("not-object-created"));
            post(event("EC2 Instance State-change Notification", "aws.ec2", key, etag)).then().statusCode(200)
                    .body("records[0].reason", equalTo("not-a-storage-notification"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("skipped (not-object-created)")
                    .contains("detail-type Object Deleted"));
        }
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + key)).isEmpty();
    }

    /** An EventBridge event from S3; the key URL-encoded as S3 encodes it. */
    private static String event(String detailType, String source, String key, String etag) {
        return NotificationFixture.of("eventbridge-s3-event.json").with("detailType", detailType)
                .with("source", source).with("bucket", "incoming")
                .with("key", URLEncoder.encode(key, StandardCharsets.UTF_8)).with("etag", etag).with("size", 512)
                .body();
    }
}
