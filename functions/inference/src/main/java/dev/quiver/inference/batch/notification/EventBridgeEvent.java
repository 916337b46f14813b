package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.inference.batch.InvalidNotificationException;
import dev.quiver.inference.batch.StorageProvider;

/**
 * An Amazon EventBridge event from S3 ({@code source} {@code aws.s3}), posted by an API destination or carried as a
 * CloudEvent's data: {@code detail-type} {@code Object Created} names {@code detail.bucket.name} and
 * {@code detail.object} ({@code key} URL-encoded like S3's own notifications, lower-case {@code etag},
 * {@code version-id}, {@code size}). Other detail types (Object Deleted, Object Restore Completed, ...) are skipped,
 * and so are events from other sources on the same bus.
 */
final class EventBridgeEvent implements NotificationShape {

    @Override
    public String expected() {
        return "an EventBridge event (detail-type, source aws.s3, detail)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        return body.path("detail-type").isTextual() && body.path("detail").isObject();
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        String source = body.path("source").asText("");
        String detailType = body.get("detail-type").asText();
        if (!source.equals("aws.s3")) {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_A_STORAGE_NOTIFICATION, "EventBridge event from "
                    + "source " + ObjectNames.shown(source) + " (" + ObjectNames.shown(detailType) + ")");
            return;
        }
        if (!detailType.equals("Object Created")) {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "detail-type "
                    + ObjectNames.shown(detailType));
            return;
        }
        JsonNode detail = body.get("detail");
        JsonNode object = detail.path("object");
        String bucket = detail.path("bucket").path("name").asText("");
        String encodedKey = object.path("key").asText("");
        if (bucket.isEmpty() || encodedKey.isEmpty()) {
            throw new InvalidNotificationException(at + "detail: lacks bucket.name or object.key");
        }
        String version = object.path("etag").asText(object.path("version-id").asText(
                object.path("sequencer").asText("")));
        ObjectNames.created(reading, StorageProvider.S3, at, bucket,
                ObjectNames.urlDecoded(encodedKey, at + "detail.object.key"), "detail.object.key", version,
                "detail.object.etag", object.path("size").asLong(-1));
    }
}
