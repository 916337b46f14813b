package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One way a provider shapes a notification body. {@link NotificationShapes} asks each shape in turn whether it
 * recognises a body, by the fields that set it apart, and lets the first that does read it.
 */
interface NotificationShape {

    /** What the shape is, for the message that lists what was expected. */
    String expected();

    boolean recognises(JsonNode body);

    /**
     * @param at     where the body is in the request, for messages and the per-record report ("" at the top)
     * @param shapes the recognition step, for envelopes whose message is another notification
     * @throws InvalidNotificationException naming the field at fault
     */
    void read(JsonNode body, String at, NotificationShapes shapes, Reading reading);
}
