package dev.quiver.orchestration.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evidence map of a decision as it is gathered. The map goes into the run's record and the failure's event as it
 * is, so durations and instants are kept as ISO-8601 text, and a figure the failure did not report is left out
 * rather than stored as null (which {@link RetryDecision} would refuse).
 */
final class Figures {

    private final Map<String, Object> values = new LinkedHashMap<>();

    Figures put(String key, Object value) {
        if (value != null) {
            values.put(key, value instanceof Duration || value instanceof Instant ? value.toString() : value);
        }
        return this;
    }

    Map<String, Object> asMap() {
        return values;
    }
}
