package dev.quiver.orchestration.runs;

/** An operator's order that cannot be carried out: 400 when it is malformed, 404 for an unknown run, 409 otherwise. */
public final class ControlRefusedException extends RuntimeException {

    private final int status;

    ControlRefusedException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
