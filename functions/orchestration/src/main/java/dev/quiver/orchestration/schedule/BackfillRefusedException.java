package dev.quiver.orchestration.schedule;

/** A backfill that cannot be asked for: 404 for an unknown pipeline, 400 otherwise. */
public final class BackfillRefusedException extends RuntimeException {

    private final int status;

    BackfillRefusedException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
