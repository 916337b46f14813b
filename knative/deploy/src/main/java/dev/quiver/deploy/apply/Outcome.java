package dev.quiver.deploy.apply;

import java.util.Locale;

/** What applying one resource did. */
public enum Outcome {
    CREATED, CONFIGURED, UNCHANGED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
