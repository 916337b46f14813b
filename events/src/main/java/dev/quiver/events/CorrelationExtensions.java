package dev.quiver.events;

import java.util.regex.Pattern;

/**
 * CloudEvent extension attributes that carry correlation across functions. CloudEvents 1.0 requires extension names
 * of lower-case ASCII letters and digits only.
 */
public final class CorrelationExtensions {

    /** The id of the event this one answers (a reply carries its request's id). */
    public static final String CORRELATION_ID = "correlationid";

    /** The pipeline run an event belongs to. */
    public static final String RUN_ID = "runid";

    /** The pipeline step an event belongs to. */
    public static final String STEP_ID = "stepid";

    /** The attempt number of that step, starting at 1. */
    public static final String ATTEMPT = "attempt";

    /**
     * The executor a dispatched step is for ({@code dev.quiver.step.dispatched}), so that a Trigger can route each
     * executor's steps to its consumer.
     */
    public static final String EXECUTOR = "executor";

    private static final Pattern VALID_NAME = Pattern.compile("[a-z0-9]{1,20}");

    private CorrelationExtensions() {
    }

    /** Whether {@code name} is a valid CloudEvents 1.0 extension attribute name (20 characters is the spec's advice). */
    public static boolean isValidName(String name) {
        return name != null && VALID_NAME.matcher(name).matches();
    }
}
