package dev.quiver.events;

import java.util.List;

/**
 * An event that cannot be accepted as sent: unknown type, missing attribute, unparseable or schema-violating data.
 * Redelivering it cannot help, so HTTP handlers answer it with a 4xx.
 */
public class InvalidEventException extends RuntimeException {

    private final List<String> problems;

    public InvalidEventException(String type, List<String> problems) {
        super("invalid " + type + " event: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem names the offending attribute or JSON path, for example {@code $.inputs[0].shape: is missing}. */
    public List<String> problems() {
        return problems;
    }
}
