package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.quiver.inference.batch.InvalidNotificationException;

/**
 * Azure Event Grid events in the Event Grid schema, always a JSON array of {@code {id, topic, subject, eventType,
 * data}}. {@code Microsoft.Storage.BlobCreated} starts work ({@link AzureBlobCreated}); the
 * {@code Microsoft.EventGrid.SubscriptionValidationEvent} handshake is answered with
 * {@code {"validationResponse": <validationCode>}}; other storage events are skipped, and so are events of other
 * publishers on the same subscription.
 */
final class EventGridEvents implements NotificationShape {

    static final String VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent";

    @Override
    public String expected() {
        return "Event Grid events (a JSON array of {eventType, subject, data})";
    }

    @Override
    public boolean recognises(JsonNode body) {
        return body.isArray() && !body.isEmpty() && body.get(0).path("eventType").isTextual();
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        for (int i = 0; i < body.size(); i++) {
            JsonNode event = body.get(i);
            String place = at + "[" + i + "].";
            String type = event.path("eventType").asText("");
            if (type.isEmpty()) {
                throw new InvalidNotificationException(place + "eventType: required in an Event Grid event");
            }
            if (type.equals(VALIDATION)) {
                validation(event, place, reading);
            } else if (type.equals(AzureBlobCreated.TYPE)) {
                AzureBlobCreated.read(event.path("subject").asText(null), event.get("data"), place, reading);
            } else if (type.startsWith(AzureBlobCreated.STORAGE_TYPES)) {
                reading.skipped(ObjectNames.record(place), SkipReason.NOT_CREATED, "eventType "
                        + ObjectNames.shown(type));
            } else {
                reading.skipped(ObjectNames.record(place), SkipReason.NOT_A_STORAGE_NOTIFICATION, "eventType "
                        + ObjectNames.shown(type));
            }
        }
    }

    private static void validation(JsonNode event, String at, Reading reading) {
        JsonNode code = event.path("data").path("validationCode");
        if (!code.isTextual() || code.asText().isEmpty()) {
            throw new InvalidNotificationException(at + "data.validationCode: required, the code to answer the "
                    + "subscription validation with");
        }
        reading.handshake(JsonNodeFactory.instance.objectNode().put("validationResponse", code.asText()));
        reading.skipped(ObjectNames.record(at), SkipReason.SUBSCRIPTION_VALIDATION, "Event Grid subscription "
                + "validated for topic " + ObjectNames.shown(event.path("topic").asText("?")));
    }
}
