package dev.quiver.inference.batch;

/** A notification that is no object-created notification Quiver reads; redelivering it cannot help (400). */
public class InvalidNotificationException extends RuntimeException {

    public InvalidNotificationException(String message) {
        super(message);
    }
}
