package dev.quiver.storage;

/** The key names no object (any more). */
public class NoSuchObjectException extends ObjectStoreException {

    public NoSuchObjectException(String message) {
        super(message);
    }
}
