package dev.quiver.deploy;

/** A failure the tool reports in one line and ends with exit code 1: its message names what failed and where. */
public class DeployException extends RuntimeException {

    public DeployException(String message) {
        super(message);
    }

    public DeployException(String message, Throwable cause) {
        super(message, cause);
    }
}
