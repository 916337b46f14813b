package dev.quiver.inference.rollout;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a rollout is: moving through its steps, or finished one way or the other. */
public enum RolloutStatus {
    RUNNING, PROMOTED, ROLLED_BACK;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
