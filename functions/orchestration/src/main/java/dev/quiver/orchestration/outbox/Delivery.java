package dev.quiver.orchestration.outbox;

/** Where a relay hands the outbox's events: the broker, or (embedded mode) the function itself. */
@FunctionalInterface
interface Delivery {

    /** @return whether the event was taken; false stops the relay's round, to send the event again later */
    boolean deliver(Outbox.Entry entry);
}
