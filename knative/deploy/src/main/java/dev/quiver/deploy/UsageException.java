package dev.quiver.deploy;

/** A command line the tool cannot make sense of; it ends with the usage text and exit code 2. */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
