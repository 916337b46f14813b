package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.binary;
import static dev.quiver.inference.batch.NotificationRequests.gcsEvent;
import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static dev.quiver.inference.batch.NotificationRequests.post;
import static dev.quiver.inference.batch.NotificationRequests.s3Event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.batch.notification.NotificationOutcomes;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Notifications as each provider sends them (bodies in {@code src/test/resources/notifications}), posted to the
 * running function, the objects in a real S3-compatible store: the exact object processed, the status, the log line,
 * and no output for anything that starts no work.
 */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class ProviderNotificationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ObjectCreated:Put", "ObjectCreated:Post", "ObjectCreated:Copy",
            "ObjectCreated:CompleteMultipartUpload", "s3:ObjectCreated:Put"})
    void everyKindOfCreationStartsWork(String eventName) throws Exception {
        String key = "lines/" + eventName.replace(':', '-') + " " + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(2));
        Response response = post(s3Event(eventName, key, etag));
        response.then().statusCode(200).body("records[0].record", equalTo("Records[0]"))
                .body("records[0].outcome", equalTo("completed"));
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed").get(0);
        assertThat(completed.get("input").asText()).isEqualTo("s3://incoming/" + key);
        assertThat(completed.get("succeeded").asLong()).isEqualTo(2);
        assertThat(S3Buckets.exists("results", "predictions/digits/1/" + key + "." + etag + ".jsonl")).isTrue();
    }

    @Test
    void removalsAndCloudStorageEventsOtherThanFinalizedAreAnsweredWithoutWork() throws Exception {
        String key = "lines/removed-" + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(1));
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            post(s3Event("ObjectRemoved:Delete", key, etag)).then().statusCode(200).body("completed", hasSize(0))
                    .body("records[0].outcome", equalTo("skipped"))
                    .body("records[0].reason", equalTo("not-object-created"));
            for (String type : List.of("deleted", "archived", "metadataUpdated")) {
                binary(gcsEvent("google.cloud.storage.object.v1." + type, key, etag)).then().statusCode(200)
                        .body("completed", hasSize(0)).body("records[0].reason", equalTo("not-object-created"))
                        .body("records[0].detail", containsString(type));
            }
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("Records[0] skipped "
                    + "(not-object-created)").contains("ObjectRemoved:Delete"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("skipped (not-object-created)")
                    .contains("google.cloud.storage.object.v1.archived"));
        }
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + key)).as("no output").isEmpty();
        assertThat(S3Buckets.keys("results", "predictions/digits/_done/" + key)).isEmpty();
    }

    @Test
    void aFolderPlaceholderIsSkippedAndCounted() {
        String key = "lines/reports-" + UUID.randomUUID() + "/";
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            post(s3Event("ObjectCreated:Put", key, "d41d8cd98f00b204e9800998ecf8427e", 0)).then().statusCode(200)
                    .body("completed", hasSize(0)).body("records[0].reason", equalTo("folder-placeholder"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("skipped (folder-placeholder)")
                    .contains(key));
        }
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + key)).isEmpty();
        assertThat(Metrics.value(Metrics.scrape(),
                "quiver_storage_notifications_total{outcome=\"skipped\",reason=\"folder-placeholder\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void keysThatCanNeverBeProcessedAreRefusedWithTheirReason() {
        String folder = "lines/folder-" + UUID.randomUUID();
        S3Buckets.upload(folder + "/inside.jsonl", jsonLines(1));
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            post(s3Event("ObjectCreated:Put", "lines/../lines/escape.jsonl", "abc")).then().statusCode(400)
                    .body("error", containsString("Records[0].s3.object.key"))
                    .body("error", containsString("'..' segments are not allowed"));
            post(s3Event("ObjectCreated:Put", folder, "abc")).then().statusCode(400)
                    .body("error", containsString("does not exist"));
            post(s3Event("ObjectCreated:Put", "lines/never-uploaded-" + UUID.randomUUID() + ".jsonl", "abc"))
                    .then().statusCode(400).body("error", containsString("does not exist"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("refused with 400 (bad-key)"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("refused with 400 (no-object)")
                    .contains(folder));
        }
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + folder)).isEmpty();
        assertThat(Metrics.value(Metrics.scrape(),
                "quiver_storage_notifications_total{outcome=\"refused\",reason=\"no-object\"}"))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void anEmptyFileHasItsEmptyResultsUnderTheModelVersion() throws Exception {
        String key = "lines/empty-" + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, "");
        Response response = post(s3Event("ObjectCreated:Put", key, etag));
        response.then().statusCode(200);
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed").get(0);
        assertThat(completed.get("rows").asLong()).isZero();
        assertThat(completed.get("modelVersion").asText()).isEqualTo("1");
        assertThat(completed.get("output").asText())
                .isEqualTo("s3://results/predictions/digits/1/" + key + "." + etag + ".jsonl");
        assertThat(S3Buckets.keys("results", "predictions/digits/none/")).isEmpty();
    }
}
