package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The message S3 sends when notifications are configured ({@code "Event": "s3:TestEvent"}), raw or inside SNS and
 * SQS. It names no object; answered 200 so the sender neither retries nor dead-letters it.
 */
final class S3TestEvent implements NotificationShape {

    @Override
    public String expected() {
        return "an S3 test event (Event s3:TestEvent)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        return "s3:TestEvent".equals(body.path("Event").asText(null));
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        reading.skipped(ObjectNames.record(at), SkipReason.TEST_EVENT, "s3:TestEvent for bucket "
                + ObjectNames.shown(body.path("Bucket").asText("?")));
    }
}
