package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static dev.quiver.inference.batch.NotificationRequests.post;
import static dev.quiver.inference.batch.NotificationRequests.s3Event;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.batch.notification.NotificationOutcomes;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Amazon SNS posting to the function over HTTP, as SNS does without raw message delivery; and S3's test events. */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class SnsNotificationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void anSnsNotificationIsUnwrappedAndItsKeyDecodedOnce() throws Exception {
        String key = "lines/sns " + UUID.randomUUID() + " a+b%2B.jsonl";
        String etag = S3Buckets.upload(key, jsonLines(3));
        Response response = sns("Notification", snsNotification(s3Event("ObjectCreated:Put", key, etag)));
        response.then().statusCode(200).body("completed[0].input", equalTo("s3://incoming/" + key))
                .body("completed[0].succeeded", equalTo(3))
                .body("records[0].record", equalTo("Message.Records[0]"));
        assertThat(S3Buckets.exists("results", "predictions/digits/1/" + key + "." + etag + ".jsonl")).isTrue();
    }

    @Test
    void aSubscriptionConfirmationIsAnsweredAndItsSubscribeUrlLogged() {
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            sns("SubscriptionConfirmation", NotificationFixture.of("sns-subscription-confirmation.json").body())
                    .then().statusCode(200).body("completed", hasSize(0))
                    .body("records[0].reason", equalTo("subscription-confirmation"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("subscription-confirmation")
                    .contains("SubscribeURL https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription"));
        }
        sns("UnsubscribeConfirmation", NotificationFixture.of("sns-unsubscribe-confirmation.json").body())
                .then().statusCode(200).body("completed", hasSize(0))
                .body("records[0].reason", equalTo("unsubscribe-confirmation"));
    }

    @Test
    void otherMessagesOnTheTopicAreAnsweredWithoutWork() throws Exception {
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            sns("Notification", snsNotification("Disk usage alarm: 91% on build-agent-3")).then().statusCode(200)
                    .body("completed", hasSize(0)).body("records[0].reason", equalTo("not-a-storage-notification"));
            sns("Notification", snsNotification("{\"AlarmName\":\"disk\",\"NewStateValue\":\"ALARM\"}"))
                    .then().statusCode(200).body("records[0].reason", equalTo("not-a-storage-notification"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("not-a-storage-notification")
                    .contains("22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"));
        }
        sns("Notification", "{\"Type\":\"Notification\",\"TopicArn\":\"arn:aws:sns:us-west-2:1:t\",\"Message\":7}")
                .then().statusCode(400).body("error", containsString("Message: expected the published message"));
    }

    @Test
    void aRepeatedKeyIsRefusedWhereverItIsRatherThanOneValueDropped() throws Exception {
        String key = "lines/dup " + UUID.randomUUID() + ".jsonl";
        String etag = S3Buckets.upload(key, jsonLines(1));
        String event = s3Event("ObjectCreated:Put", key, etag);
        String repeated = event.replaceFirst("\"eventName\"", "\"eventName\":\"ObjectRemoved:Delete\",\"eventName\"");
        sns("Notification", snsNotification(repeated)).then().statusCode(400)
                .body("error", containsString("Message: Duplicate field 'eventName'"));
        post(repeated).then().statusCode(400)
                .body("error", containsString("Duplicate field 'eventName'"));
        assertThat(S3Buckets.exists("results", "predictions/digits/1/" + key + "." + etag + ".jsonl")).isFalse();
    }

    @Test
    void s3TestEventsAreAnsweredWithoutWorkRawAndInsideSns() throws Exception {
        String testEvent = NotificationFixture.of("s3-test-event.json").with("bucket", "incoming").body();
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            post(testEvent).then().statusCode(200).body("completed", hasSize(0))
                    .body("records[0].record", equalTo("notification"))
                    .body("records[0].reason", equalTo("test-event"));
            sns("Notification", snsNotification(testEvent)).then().statusCode(200)
                    .body("records[0].record", equalTo("Message")).body("records[0].reason", equalTo("test-event"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("skipped (test-event)")
                    .contains("bucket incoming"));
        }
    }

    /** An SNS notification whose message is {@code message}, as a JSON string. */
    static String snsNotification(String message) throws Exception {
        return NotificationFixture.of("sns-notification.json").with("message", JSON.writeValueAsString(message))
                .body();
    }

    /** As SNS posts: text/plain, the message type and ids in headers. */
    private static Response sns(String type, String body) {
        return given().contentType("text/plain; charset=UTF-8").header("x-amz-sns-message-type", type)
                .header("x-amz-sns-message-id", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324")
                .header("x-amz-sns-topic-arn", "arn:aws:sns:us-west-2:123456789012:quiver-uploads")
                .body(body).post("/storage-notifications");
    }
}
