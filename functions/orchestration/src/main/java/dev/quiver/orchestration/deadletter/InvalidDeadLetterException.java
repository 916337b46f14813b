package dev.quiver.orchestration.deadletter;

/** A request to the dead-letter sink that is no CloudEvent: answered 400, which the broker does not retry. */
public class InvalidDeadLetterException extends RuntimeException {

    public InvalidDeadLetterException(String message) {
        super(message);
    }
}
