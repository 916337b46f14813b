package dev.quiver.admission.plan;

/** A plans file that cannot be used, with the file and the field at fault in the message. */
public class InvalidPlansException extends RuntimeException {

    public InvalidPlansException(String message) {
        super(message);
    }

    public InvalidPlansException(String message, Throwable cause) {
        super(message, cause);
    }
}
