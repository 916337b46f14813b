package dev.quiver.orchestration.objects;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the objects an object-created notification names, in the shapes stores send: S3 and MinIO event records
 * ({@code Records[].s3}, other event names skipped), and the data of Cloud Storage's
 * {@code google.cloud.storage.object.v1.finalized} CloudEvent (read as every CloudEvent is, by
 * {@link dev.quiver.events.http.CloudEventHttp}); other CloudEvent types are skipped. The inference function's batch
 * reader knows more envelopes; a pipeline trigger needs only the object, so this stays small.
 */
public final class ObjectNotifications {

    static final String FINALIZED = "google.cloud.storage.object.v1.finalized";
    private static final String EXPECTED = "expected S3 event records ({\"Records\": [{\"eventName\": "
            + "\"ObjectCreated:Put\", \"s3\": {...}}]}) or a Cloud Storage CloudEvent of type " + FINALIZED;

    private ObjectNotifications() {
    }

    /**
     * The objects of a notification posted as plain JSON: S3 event records.
     *
     * @throws InvalidNotificationException naming the field at fault
     */
    public static List<ObjectCreated> read(JsonNode body) {
        if (body == null || !body.isObject() || !body.has("Records")) {
            throw new InvalidNotificationException("request body: " + EXPECTED);
        }
        return records(body.get("Records"));
    }

    /**
     * The object of a CloudEvent's data, for the Cloud Storage type; none for another type.
     *
     * @throws InvalidNotificationException naming the field at fault
     */
    public static List<ObjectCreated> read(String type, JsonNode data) {
        return cloudEvent(type, data, "data.");
    }

    private static List<ObjectCreated> records(JsonNode records) {
        if (!records.isArray()) {
            throw new InvalidNotificationException("Records: expected a list of S3 event records");
        }
        List<ObjectCreated> created = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            String at = "Records[" + i + "].";
            JsonNode record = records.get(i);
            String event = text(record, "eventName", at);
            if (!event.startsWith("ObjectCreated:") && !event.startsWith("s3:ObjectCreated:")) {
                continue;
            }
            JsonNode s3 = record.path("s3");
            String bucket = text(s3.path("bucket"), "name", at + "s3.bucket.");
            // S3 sends keys URL-encoded as a form is (a space as +)
            String key = URLDecoder.decode(text(s3.path("object"), "key", at + "s3.object."), StandardCharsets.UTF_8);
            JsonNode object = s3.path("object");
            String version = Optional.ofNullable(object.get("versionId")).filter(JsonNode::isTextual)
                    .map(JsonNode::asText).filter(id -> !id.isEmpty() && !id.equals("null"))
                    .orElseGet(() -> Optional.ofNullable(object.get("sequencer")).filter(JsonNode::isTextual)
                            .map(JsonNode::asText).orElseThrow(() -> new InvalidNotificationException(at
                                    + "s3.object.versionId: required (or s3.object.sequencer in a bucket without "
                                    + "versioning), to start one run per object version")));
            created.add(new ObjectCreated(bucket, key, version));
        }
        return created;
    }

    private static List<ObjectCreated> cloudEvent(String type, JsonNode data, String at) {
        if (!type.equals(FINALIZED)) {
            return List.of();
        }
        if (data == null || !data.isObject()) {
            throw new InvalidNotificationException("data: expected the Cloud Storage object ({bucket, name, "
                    + "generation})");
        }
        JsonNode generation = data.get("generation");
        if (generation == null || !(generation.isTextual() || generation.isIntegralNumber())
                || generation.asText().isEmpty()) {
            throw new InvalidNotificationException(at + "generation: required, the object's generation");
        }
        return List.of(new ObjectCreated(text(data, "bucket", at), text(data, "name", at), generation.asText()));
    }

    private static String text(JsonNode node, String field, String at) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new InvalidNotificationException(at + field + ": required, a non-empty string");
        }
        return value.asText();
    }
}
