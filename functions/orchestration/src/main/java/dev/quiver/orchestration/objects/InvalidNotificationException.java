package dev.quiver.orchestration.objects;

/** A notification that can never start a run: its message names the field and what was expected (a 400). */
public class InvalidNotificationException extends RuntimeException {

    public InvalidNotificationException(String message) {
        super(message);
    }
}
