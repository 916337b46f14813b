package dev.quiver.deploy.overlay;

import dev.quiver.deploy.DeployException;

/** An overlay that cannot be rendered: the message starts with the file at fault. */
public final class OverlayException extends DeployException {

    public OverlayException(String message) {
        super(message);
    }

    public OverlayException(String message, Throwable cause) {
        super(message, cause);
    }
}
