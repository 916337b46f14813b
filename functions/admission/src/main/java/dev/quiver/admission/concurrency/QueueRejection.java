package dev.quiver.admission.concurrency;

/** A request that could not get a place among its caller's running requests: the line was full, or it waited too long. */
public final class QueueRejection extends RuntimeException {

    public enum Reason { QUEUE_FULL, TIMED_OUT }

    private final Reason reason;

    QueueRejection(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
