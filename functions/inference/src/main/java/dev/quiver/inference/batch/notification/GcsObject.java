package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.inference.batch.InvalidNotificationException;
import dev.quiver.inference.batch.StorageProvider;

/**
 * Cloud Storage object data ({@code StorageObjectData}): {@code bucket}, {@code name} (not encoded),
 * {@code generation} (the version), {@code size}. It is the data of a {@code google.cloud.storage.object.v1.*}
 * CloudEvent, and arrives raw from a push subscription that unwraps it.
 */
final class GcsObject implements NotificationShape {

    @Override
    public String expected() {
        return "Cloud Storage object data (bucket, name, generation)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        return body.path("bucket").isTextual() && body.path("name").isTextual();
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        if (!recognises(body)) {
            throw new InvalidNotificationException(at + "bucket, " + at + "name: expected Cloud Storage object data "
                    + "with bucket and name");
        }
        String generation = body.path("generation").asText("");
        if (generation.isEmpty()) {
            throw new InvalidNotificationException(at + "generation: required in Cloud Storage object data");
        }
        ObjectNames.created(reading, StorageProvider.CLOUD_STORAGE, at, body.get("bucket").asText(),
                body.get("name").asText(), "name", generation, "generation", body.path("size").asLong(-1));
    }
}
