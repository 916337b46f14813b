package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.inference.batch.InvalidNotificationException;
import java.util.Set;

/**
 * An Amazon SNS message as SNS posts it to an HTTP endpoint (without raw message delivery): {@code Type},
 * {@code TopicArn}, and for a {@code Notification} the published message as a string in {@code Message}, read again
 * as a notification. A {@code SubscriptionConfirmation} is answered 200 and its {@code SubscribeURL} logged, for an
 * operator to visit; an {@code UnsubscribeConfirmation}, and a message on the topic that is no storage notification,
 * are answered 200 without work.
 */
final class SnsEnvelope implements NotificationShape {

    private static final Set<String> TYPES = Set.of("Notification", "SubscriptionConfirmation",
            "UnsubscribeConfirmation");

    @Override
    public String expected() {
        return "an SNS message (Type, TopicArn, Message)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        return TYPES.contains(body.path("Type").asText("")) && body.path("TopicArn").isTextual();
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        String topic = ObjectNames.shown(body.get("TopicArn").asText());
        switch (body.get("Type").asText()) {
            case "SubscriptionConfirmation" -> reading.skipped(ObjectNames.record(at),
                    SkipReason.SUBSCRIPTION_CONFIRMATION, "topic " + topic + ": to confirm the subscription, visit "
                            + "SubscribeURL " + body.path("SubscribeURL").asText("(none given)"));
            case "UnsubscribeConfirmation" -> reading.skipped(ObjectNames.record(at),
                    SkipReason.UNSUBSCRIBE_CONFIRMATION, "topic " + topic + " unsubscribed this endpoint");
            default -> notification(body, at, topic, shapes, reading);
        }
    }

    private static void notification(JsonNode body, String at, String topic, NotificationShapes shapes,
                                     Reading reading) {
        JsonNode message = body.path("Message");
        if (!message.isTextual()) {
            throw new InvalidNotificationException(at + "Message: expected the published message as a string");
        }
        JsonNode inner = shapes.parsed(message.asText(), at + "Message");
        if (inner == null || !shapes.recognises(inner)) {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_A_STORAGE_NOTIFICATION, "topic " + topic
                    + ", MessageId " + ObjectNames.shown(body.path("MessageId").asText("?"))
                    + ": the message is no storage notification");
            return;
        }
        shapes.read(inner, at + "Message.", reading);
    }
}
