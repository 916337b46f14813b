package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads object-created notifications as the providers send them:
 * <ul>
 * <li>Google Cloud Storage CloudEvents ({@code google.cloud.storage.object.v1.finalized}): data with {@code bucket},
 * {@code name}, {@code generation}, {@code size};</li>
 * <li>Amazon S3 event notifications ({@code Records[].eventName} {@code ObjectCreated:*}, {@code s3.bucket.name},
 * {@code s3.object.key} URL-encoded with '+' for spaces, {@code size}, {@code eTag}, {@code sequencer}), raw or as the
 * data of a CloudEvent;</li>
 * <li>MinIO webhook notifications: the same records, with {@code s3:ObjectCreated:*} event names.</li>
 * </ul>
 * Records of other events (removals, restores) are skipped.
 */
public final class StorageNotifications {

    public static final String GCS_FINALIZED = "google.cloud.storage.object.v1.finalized";

    private StorageNotifications() {
    }

    public static List<ObjectCreated> read(JsonNode data) {
        if (data == null || !data.isObject()) {
            throw new InvalidNotificationException("notification: expected a JSON object (S3 or MinIO records, or "
                    + "Cloud Storage object data)");
        }
        if (data.has("Records")) {
            return s3Records(data.get("Records"));
        }
        if (data.path("bucket").isTextual() && data.path("name").isTextual()) {
            return List.of(gcsObject(data));
        }
        throw new InvalidNotificationException("notification: neither S3/MinIO records (Records[]) nor Cloud Storage "
                + "object data (bucket, name)");
    }

    private static ObjectCreated gcsObject(JsonNode data) {
        String generation = data.path("generation").asText("");
        if (generation.isEmpty()) {
            throw new InvalidNotificationException("notification: Cloud Storage object data without 'generation'");
        }
        return new ObjectCreated(data.get("bucket").asText(), data.get("name").asText(), generation,
                data.path("size").asLong(-1));
    }

    private static List<ObjectCreated> s3Records(JsonNode records) {
        if (!records.isArray()) {
            throw new InvalidNotificationException("notification: Records must be a list");
        }
        List<ObjectCreated> created = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            JsonNode record = records.get(i);
            String event = record.path("eventName").asText("");
            if (!event.startsWith("ObjectCreated:") && !event.startsWith("s3:ObjectCreated:")) {
                continue;
            }
            JsonNode object = record.path("s3").path("object");
            String bucket = record.path("s3").path("bucket").path("name").asText("");
            String encodedKey = object.path("key").asText("");
            if (bucket.isEmpty() || encodedKey.isEmpty()) {
                throw new InvalidNotificationException("notification: Records[" + i + "] lacks s3.bucket.name or "
                        + "s3.object.key");
            }
            String version = object.path("eTag").asText(object.path("sequencer").asText(""));
            created.add(new ObjectCreated(bucket, URLDecoder.decode(encodedKey, StandardCharsets.UTF_8),
                    version.replace("\"", ""), object.path("size").asLong(-1)));
        }
        return created;
    }
}
