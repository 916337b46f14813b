package dev.quiver.inference.runtime;

/** A model version that cannot be served; the message says why and is shown on the metadata endpoint. */
public class ModelLoadException extends Exception {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
