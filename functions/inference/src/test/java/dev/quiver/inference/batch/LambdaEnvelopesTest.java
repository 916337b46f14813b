package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static dev.quiver.inference.batch.NotificationRequests.post;
import static dev.quiver.inference.batch.NotificationRequests.s3Event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The envelopes of S3 → SQS → consumer and S3 → SNS → SQS chains, as Lambda receives them: every record of a batch
 * unwrapped as many times as it was wrapped, the key decoded once at the end, each record reported.
 */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class LambdaEnvelopesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void anSqsBatchIsReadRecordByRecordThroughEveryEnvelope() throws Exception {
        List<String> keys = new ArrayList<>();
        List<String> etags = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add("lines/sqs " + i + " " + UUID.randomUUID() + "+%2B.jsonl");
            etags.add(S3Buckets.upload(keys.get(i), jsonLines(i + 1)));
        }
        String twoRecords = merged(s3Event("ObjectCreated:Put", keys.get(0), etags.get(0)),
                s3Event("ObjectCreated:CompleteMultipartUpload", keys.get(1), etags.get(1)));
        String viaSns = SnsNotificationsTest.snsNotification(s3Event("ObjectCreated:Copy", keys.get(2),
                etags.get(2)));
        String testEvent = NotificationFixture.of("s3-test-event.json").with("bucket", "incoming").body();
        String batch = NotificationFixture.of("sqs-event.json").with("body0", JSON.writeValueAsString(twoRecords))
                .with("body1", JSON.writeValueAsString(viaSns)).with("body2", JSON.writeValueAsString(testEvent))
                .body();

        Response response = post(batch);
        response.then().statusCode(200).body("completed", hasSize(3))
                .body("records.record", equalTo(List.of("Records[0].body.Records[0]", "Records[0].body.Records[1]",
                        "Records[1].body.Message.Records[0]", "Records[2].body")))
                .body("records.outcome", equalTo(List.of("completed", "completed", "completed", "skipped")))
                .body("records[3].reason", equalTo("test-event"));
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed");
        List<Instant> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertThat(completed.get(i).get("input").asText()).isEqualTo("s3://incoming/" + keys.get(i));
            assertThat(completed.get(i).get("succeeded").asLong()).isEqualTo(i + 1);
            String results = "predictions/digits/1/" + keys.get(i) + "." + etags.get(i) + ".jsonl";
            written.add(S3Buckets.client.headObject(request -> request.bucket("results").key(results))
                    .lastModified());
        }

        Response redelivered = post(batch);
        redelivered.then().statusCode(200).body("records.reason", equalTo(List.of("already-processed",
                "already-processed", "already-processed", "test-event")));
        assertThat(JSON.readTree(redelivered.asByteArray()).get("completed")).isEqualTo(completed);
        for (int i = 0; i < 3; i++) {
            String results = "predictions/digits/1/" + keys.get(i) + "." + etags.get(i) + ".jsonl";
            assertThat(S3Buckets.client.headObject(request -> request.bucket("results").key(results))
                    .lastModified()).as("no second output").isEqualTo(written.get(i));
        }
    }

    @Test
    void aRecordWhoseObjectIsGoneIsRefusedAloneAndTheOthersOfTheBatchAreProcessed() throws Exception {
        String present = "lines/sqs present " + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(present, jsonLines(2));
        String gone = "lines/sqs gone " + UUID.randomUUID() + ".jsonl";
        String twoRecords = merged(s3Event("ObjectCreated:Put", gone, "0123456789abcdef0123456789abcdef"),
                s3Event("ObjectCreated:Put", present, etag));
        String batch = NotificationFixture.of("sqs-event.json").with("body0", JSON.writeValueAsString(twoRecords))
                .with("body1", JSON.writeValueAsString(NotificationFixture.of("s3-test-event.json")
                        .with("bucket", "incoming").body()))
                .with("body2", JSON.writeValueAsString(NotificationFixture.of("s3-test-event.json")
                        .with("bucket", "incoming").body()))
                .body();

        post(batch).then().statusCode(200).body("completed", hasSize(1))
                .body("completed[0].input", equalTo("s3://incoming/" + present))
                .body("records.record[0]", equalTo("Records[0].body.Records[1]"))
                .body("records.outcome[0]", equalTo("completed"))
                .body("records.record[1]", equalTo("Records[0].body.Records[0]"))
                .body("records.outcome[1]", equalTo("refused"))
                .body("records.reason[1]", equalTo("no-object"));
    }

    @Test
    void anSnsRecordAsLambdaReceivesItIsUnwrapped() throws Exception {
        String key = "lines/sns-lambda " + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(2));
        String event = NotificationFixture.of("sns-lambda-event.json").with("message",
                JSON.writeValueAsString(s3Event("ObjectCreated:Put", key, etag))).body();
        post(event).then().statusCode(200).body("completed[0].input", equalTo("s3://incoming/" + key))
                .body("records[0].record", equalTo("Records[0].Sns.Message.Records[0]"));
    }

    @Test
    void messagesThatAreNoNotificationAreSkippedAndRecordsOfNoShapeRefused() throws Exception {
        String batch = NotificationFixture.of("sqs-event.json").with("body0", "\"order 1234 shipped\"")
                .with("body1", JSON.writeValueAsString("{\"orderId\":1234}"))
                .with("body2", JSON.writeValueAsString("{\"Records\":[{\"eventName\":\"ObjectCreated:Put\","
                        + "\"s3\":{}}]}")).body();
        post(batch).then().statusCode(400).body("error", containsString("Records[2].body.Records[0]: lacks "
                + "s3.bucket.name or s3.object.key"));
        ObjectNode twoStrays = (ObjectNode) JSON.readTree(NotificationFixture.of("sqs-event.json")
                .with("body0", "\"order 1234 shipped\"").with("body1", JSON.writeValueAsString("{\"orderId\":1}"))
                .with("body2", "\"\"").body());
        post(twoStrays.toString()).then().statusCode(200).body("completed", hasSize(0))
                .body("records.reason", equalTo(List.of("not-a-storage-notification",
                        "not-a-storage-notification", "not-a-storage-notification")))
                .body("records[0].detail", containsString("059f36b4-87a3-44ab-83d2-661975830a7d"));
        ((ArrayNode) twoStrays.get("Records")).addObject().put("messageId", "no-body");
        post(twoStrays.toString()).then().statusCode(400).body("error", containsString("Records[3]: expected an "
                + "SQS message (body, a string) or an SNS record (Sns, an object)"));
    }

    /** One S3 event holding the records of both. */
    private static String merged(String first, String second) throws Exception {
        ObjectNode merged = (ObjectNode) JSON.readTree(first);
        ((ArrayNode) merged.get("Records")).add(JSON.readTree(second).get("Records").get(0));
        return merged.toString();
    }
}
