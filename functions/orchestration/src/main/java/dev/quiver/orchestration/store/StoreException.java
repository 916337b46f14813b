package dev.quiver.orchestration.store;

/**
 * The run store could not be reached or failed a statement: a transient fault, answered with a 503 and retried. A
 * refusal of the data itself is a {@link StoreRefusedException}.
 */
public class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
