package dev.quiver.admission.audit;

import java.util.Locale;

/** How admission ended for one request. */
public enum Outcome {
    /** let through (after waiting in line or not) */
    ADMITTED,
    /** had to wait in its caller's line first */
    QUEUED,
    /** refused by a rate limit (429) */
    LIMITED,
    /** refused because its caller's line was full (429) */
    REJECTED,
    /** waited in line longer than the plan allows (429) */
    TIMED_OUT,
    /** refused because the replica's pool was saturated (503) */
    SHED,
    /** presented an invalid credential (401) */
    UNAUTHORIZED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
