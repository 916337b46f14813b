package dev.quiver.inference.fallback;

/** A fallback chain that cannot answer for the version it belongs to; the message names the step. */
public class InvalidFallbackException extends Exception {

    public InvalidFallbackException(String message) {
        super(message);
    }
}
