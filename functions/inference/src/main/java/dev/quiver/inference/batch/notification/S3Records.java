package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.inference.batch.InvalidNotificationException;
import dev.quiver.inference.batch.StorageProvider;

/**
 * Amazon S3 event notifications and MinIO webhooks: {@code Records[]}, each with {@code eventName}
 * ({@code ObjectCreated:Put}, MinIO's {@code s3:ObjectCreated:Put}), {@code s3.bucket.name} and {@code s3.object}
 * ({@code key} URL-encoded with '+' for spaces, {@code size}, {@code eTag}, {@code sequencer}). Records of other
 * events (removals, restores, replication) are skipped.
 */
final class S3Records implements NotificationShape {

    @Override
    public String expected() {
        return "S3 or MinIO event records (Records[].s3)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        JsonNode records = body.path("Records");
        return records.isArray() && (records.isEmpty() || records.get(0).has("s3"));
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        JsonNode records = body.get("Records");
        for (int i = 0; i < records.size(); i++) {
            record(records.get(i), at + "Records[" + i + "].", reading);
        }
    }

    /** One S3 record, as an SQS message, a TriggerMesh event's data or an element of {@code Records} holds it. */
    static void record(JsonNode record, String at, Reading reading) {
        if (!record.isObject()) {
            throw new InvalidNotificationException(ObjectNames.record(at) + ": expected an S3 event record (an "
                    + "object with eventName and s3)");
        }
        String event = record.path("eventName").asText("");
        if (event.isEmpty()) {
            throw new InvalidNotificationException(at + "eventName: required, the event type (ObjectCreated:Put, "
                    + "...)");
        }
        if (!isObjectCreated(event)) {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "eventName " + ObjectNames.shown(event)
                    + " is not ObjectCreated:*");
            return;
        }
        JsonNode object = record.path("s3").path("object");
        String bucket = record.path("s3").path("bucket").path("name").asText("");
        String encodedKey = object.path("key").asText("");
        if (bucket.isEmpty() || encodedKey.isEmpty()) {
            throw new InvalidNotificationException(ObjectNames.record(at) + ": lacks s3.bucket.name or "
                    + "s3.object.key");
        }
        String version = object.path("eTag").asText(object.path("sequencer").asText(""));
        ObjectNames.created(reading, StorageProvider.S3, at, bucket,
                ObjectNames.urlDecoded(encodedKey, at + "s3.object.key"), "s3.object.key", version, "s3.object.eTag",
                object.path("size").asLong(-1));
    }

    /** Every kind of creation: Put, Post, Copy, CompleteMultipartUpload, with or without MinIO's "s3:" prefix. */
    static boolean isObjectCreated(String eventName) {
        return eventName.startsWith("ObjectCreated:") || eventName.startsWith("s3:ObjectCreated:");
    }
}
