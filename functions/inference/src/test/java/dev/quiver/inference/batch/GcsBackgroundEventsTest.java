package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static dev.quiver.inference.batch.NotificationRequests.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cloud Storage events as legacy background functions receive them: context and data. */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class GcsBackgroundEventsTest {

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aFinalizeEventStartsWorkAndOthersDoNot() {
        String key = "lines/background " + UUID.randomUUID() + " 100%.jsonl";
        S3Buckets.upload(key, jsonLines(2));
        post(event("google.storage.object.finalize", key, "1795428001183000")).then().statusCode(200)
                .body("completed[0].input", equalTo("s3://incoming/" + key))
                .body("completed[0].inputVersion", equalTo("1795428001183000"))
                .body("records[0].record", equalTo("data"));
        for (String type : new String[] {"google.storage.object.delete", "google.storage.object.archive",
                "google.storage.object.metadataUpdate"}) {
            post(event(type, key, "1795428001183001")).then().statusCode(200).body("completed", hasSize(0))
                    .body("records[0].reason", equalTo("not-object-created"));
        }
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + key + ".1795428001183001")).isEmpty();
    }

    /** The object's name is not encoded in Cloud Storage events. */
    private static String event(String type, String key, String generation) {
        return NotificationFixture.of("gcs-background-event.json").with("eventType", type).with("bucket", "incoming")
                .with("key", key).with("etag", generation).with("size", 512).body();
    }
}
