package dev.quiver.inference.batch;

/**
 * A notification that is no object-created notification Quiver reads, or names an object that can never be
 * processed; redelivering it cannot help (4xx). The reason labels the refusal in logs and metrics.
 */
public class InvalidNotificationException extends RuntimeException {

    /** A body of no shape Quiver reads, or one with a field missing or malformed. */
    public static final String MALFORMED = "malformed";
    /** A key or version that cannot name an object or its results. */
    public static final String BAD_KEY = "bad-key";
    /** The object named is not in the store (or is no object, a folder say). */
    public static final String NO_OBJECT = "no-object";
    /** A source that sends an object's content rather than a notification naming it. */
    public static final String CONTENT_NOT_NOTIFICATION = "content-not-notification";

    private final String reason;

    public InvalidNotificationException(String message) {
        this(MALFORMED, message);
    }

    public InvalidNotificationException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
