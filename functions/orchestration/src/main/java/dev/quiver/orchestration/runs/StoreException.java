package dev.quiver.orchestration.runs;

/** The run store could not be reached or refused a statement: a transient fault, answered with a 5xx and retried. */
public class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
