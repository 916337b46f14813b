package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one notification request says, collected while its shape is read: the objects created, the records passed
 * over (with their reason), and the body a handshake must be answered with, if it is one.
 */
public final class Reading {

    private final List<NotifiedObject> created = new ArrayList<>();
    private final List<Skipped> skipped = new ArrayList<>();
    private JsonNode handshake;

    void created(NotifiedObject object) {
        created.add(object);
    }

    void skipped(String record, SkipReason reason, String detail) {
        skipped.add(new Skipped(record, reason, detail));
    }

    void handshake(JsonNode answer) {
        handshake = answer;
    }

    public List<NotifiedObject> created() {
        return List.copyOf(created);
    }

    public List<Skipped> skipped() {
        return List.copyOf(skipped);
    }

    /** The body to answer with instead of a report: Event Grid's {@code validationResponse}. */
    public Optional<JsonNode> handshake() {
        return Optional.ofNullable(handshake);
    }
}
