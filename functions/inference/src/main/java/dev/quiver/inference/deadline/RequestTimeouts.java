package dev.quiver.inference.deadline;

import dev.quiver.inference.InferenceException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request's timeout: its model's ({@code timeout_ms}, else {@code quiver.inference.timeout}), or less when the caller
 * asks for less with the {@value #HEADER} header or the v2 {@code parameters.timeout_ms}; never more.
 */
public final class RequestTimeouts {

    public static final String HEADER = "Quiver-Timeout-Ms";
    public static final String PARAMETER = "timeout_ms";

    private RequestTimeouts() {
    }

    /** The header's value, when there is one. */
    public static Optional<Duration> fromHeader(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(millis(Double.parseDouble(value.trim()), HEADER, value));
        } catch (NumberFormatException e) {
            throw refused(HEADER, value);
        }
    }

    /** The v2 parameter's value, when the request has one. */
    public static Optional<Duration> fromParameter(Object value) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Number number)) {
            throw refused("parameters." + PARAMETER, String.valueOf(value));
        }
        return Optional.of(millis(number.doubleValue(), "parameters." + PARAMETER, String.valueOf(value)));
    }

    /**
     * @param model the model's timeout, zero for none
     * @return the timeout in force, zero for none
     */
    public static Duration effective(Duration model, Optional<Duration> header, Optional<Duration> parameter) {
        Duration timeout = model;
        for (Optional<Duration> asked : List.of(header, parameter)) {
            if (asked.isPresent() && (timeout.isZero() || asked.get().compareTo(timeout) < 0)) {
                timeout = asked.get();
            }
        }
        return timeout;
    }

    private static Duration millis(double value, String field, String given) {
        if (!(value > 0 && value <= 600_000)) {
            throw refused(field, given);
        }
        return Duration.ofNanos(Math.round(value * 1_000_000));
    }

    private static InferenceException refused(String field, String given) {
        return InferenceException.invalidInput(field + ": expected a number of milliseconds above 0 and at most "
                + "600000, got \"" + InferenceException.shown(given) + "\"");
    }
}
