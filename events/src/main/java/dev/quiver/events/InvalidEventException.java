package dev.quiver.events;

import java.util.List;

/**
 * An event that cannot be accepted as sent: not a CloudEvent, a missing or malformed attribute, a type the receiver
 * does not take, data that is not JSON or that violates the type's schema. Redelivering it cannot help, so HTTP
 * handlers answer it with a 4xx.
 */
public class InvalidEventException extends RuntimeException {

    private final List<String> problems;

    public InvalidEventException(String type, List<String> problems) {
        super("invalid " + type + " event: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** A problem with the request as a CloudEvent, before its type is known; the message is the problem itself. */
    public InvalidEventException(String problem) {
        super(problem);
        this.problems = List.of(problem);
    }

    /** Each problem names the offending attribute or JSON path, for example {@code $.inputs[0].shape: is missing}. */
    public List<String> problems() {
        return problems;
    }
}
