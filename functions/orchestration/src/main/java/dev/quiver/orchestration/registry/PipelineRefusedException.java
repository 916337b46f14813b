package dev.quiver.orchestration.registry;

/** A pipeline definition put over the API that cannot be registered: 400 when it is invalid, 409 when it conflicts. */
public final class PipelineRefusedException extends RuntimeException {

    private final int status;

    PipelineRefusedException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
