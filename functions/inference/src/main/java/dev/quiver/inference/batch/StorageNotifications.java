package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.storage.ObjectKeys;
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

    private static final int MAX_VERSION_LENGTH = 128;

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
        return new ObjectCreated(data.get("bucket").asText(), key(data.get("name").asText(), "name"),
                version(generation, "generation"), data.path("size").asLong(-1));
    }

    /** An object key as a store takes it: relative, no '.' or '..' segment, no control character, not too long. */
    private static String key(String key, String field) {
        try {
            return ObjectKeys.validate(key);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException("notification: " + field + ": " + e.getMessage());
        }
    }

    /** A version names result and claim objects, so it is a short token. */
    private static String version(String version, String field) {
        if (version.length() > MAX_VERSION_LENGTH || !version.chars().allMatch(c -> c > 0x20 && c < 0x7f
                && c != '/' && c != '\\')) {
            throw new InvalidNotificationException("notification: " + field + ": expected a version token of at most "
                    + MAX_VERSION_LENGTH + " printable characters without '/'");
        }
        return version;
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
            String at = "Records[" + i + "].s3.object.";
            String key;
            try {
                key = URLDecoder.decode(encodedKey, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidNotificationException("notification: " + at + "key: not URL-encoded text ("
                        + e.getMessage() + ")");
            }
            created.add(new ObjectCreated(bucket, key(key, at + "key"), version(version.replace("\"", ""),
                    at + "eTag"), object.path("size").asLong(-1)));
        }
        return created;
    }
}
