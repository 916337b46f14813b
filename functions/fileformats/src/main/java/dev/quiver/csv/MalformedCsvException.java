package dev.quiver.csv;

/** CSV that cannot be read past {@link #line()}, such as a quoted value that is never closed. */
public class MalformedCsvException extends RuntimeException {

    private final long line;

    public MalformedCsvException(long line, String message, Throwable cause) {
        super("line " + line + ": " + message, cause);
        this.line = line;
    }

    public long line() {
        return line;
    }
}
