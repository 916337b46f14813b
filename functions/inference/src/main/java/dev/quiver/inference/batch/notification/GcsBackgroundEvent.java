package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A Cloud Storage event as legacy background functions receive it: {@code context} ({@code eventId},
 * {@code eventType} {@code google.storage.object.finalize}, {@code resource}) and the object in {@code data}. Only
 * finalize starts work; delete, archive and metadataUpdate are skipped.
 */
final class GcsBackgroundEvent implements NotificationShape {

    static final String FINALIZE = "google.storage.object.finalize";

    private final GcsObject object = new GcsObject();

    @Override
    public String expected() {
        return "a Cloud Storage background event (context.eventType, data)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        return body.path("context").path("eventType").isTextual() && body.path("data").isObject();
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        String type = body.get("context").get("eventType").asText();
        if (!type.equals(FINALIZE)) {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "context.eventType "
                    + ObjectNames.shown(type));
            return;
        }
        object.read(body.get("data"), at + "data.", shapes, reading);
    }
}
