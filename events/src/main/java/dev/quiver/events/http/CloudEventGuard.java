package dev.quiver.events.http;

import dev.quiver.events.EventCatalog;
import dev.quiver.events.InvalidEventException;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The door of a function's CloudEvent endpoint: a request gets past only as a CloudEvent 1.0 (either mode) of a type
 * the function consumes, with JSON data or none. The types come from the function's own declaration of what it
 * consumes, each checked against the {@link EventCatalog} when the function starts, so the list a refusal names is
 * never kept by hand.
 */
public final class CloudEventGuard {

    private final Set<String> types;

    /**
     * @param consumed the catalog types the function takes
     * @throws IllegalArgumentException when one is not in the catalog
     */
    public CloudEventGuard(Collection<String> consumed) {
        for (String type : consumed) {
            if (EventCatalog.payloadOf(type).isEmpty()) {
                throw new IllegalArgumentException("event type " + type + " is not in the event catalog "
                        + "(events/EventTypes, EventCatalog)");
            }
        }
        this.types = new TreeSet<>(consumed);
    }

    /**
     * @param headers visits every header of the request as (name, value)
     * @param body    the request body, possibly empty
     * @return the event, its data (if any) parsed as JSON
     * @throws InvalidEventException naming the header, attribute or data at fault, or the type no function here takes
     */
    public ReceivedEvent admit(Consumer<BiConsumer<String, String>> headers, byte[] body) {
        ReceivedEvent received = CloudEventHttp.read(headers, body);
        String type = received.event().getType();
        if (!types.contains(type)) {
            throw new InvalidEventException("CloudEvent: no function takes events of type '" + type
                    + "'; this function takes " + String.join(", ", types));
        }
        return received.requireJsonData();
    }

    /** The types this guard lets through, in name order. */
    public Set<String> types() {
        return types;
    }
}
