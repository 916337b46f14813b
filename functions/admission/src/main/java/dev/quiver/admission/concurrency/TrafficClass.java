package dev.quiver.admission.concurrency;

import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.identity.CallerKind;
import java.util.Locale;

/** The kinds of traffic that hold reserved shares of a replica's pool, so that a flood of one cannot shed another. */
public enum TrafficClass {
    /** identified callers: an API key or a verified token */
    INTERACTIVE,
    /** the event broker's deliveries (CloudEvents, storage notifications) */
    EVENTS,
    /** callers known only by their address */
    ANONYMOUS;

    public static TrafficClass of(Caller caller) {
        return caller.kind() == CallerKind.BROKER ? EVENTS
                : caller.authenticated() ? INTERACTIVE : ANONYMOUS;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
