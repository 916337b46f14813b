package dev.quiver.orchestration.pipeline;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as step settings write them: Go's notation, which Argo takes its durations in and the other backoff modes
 * share ({@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1m30s}, {@code 1.5h}), and {@code d} for days,
 * which Argo's examples use. Read by {@code retry.backoff} blocks and by built-in steps' parameters.
 */
public final class DurationText {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h|d)");
    private static final Map<String, Long> UNIT_NANOS = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "µs", 1_000L,
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L,
            "d", 86_400_000_000_000L);
    private static final BigDecimal LONGEST_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private DurationText() {
    }

    /** Empty when the text is not such a duration, or is longer than {@link Duration#toNanos()} can carry. */
    public static Optional<Duration> parse(String text) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Matcher part = PART.matcher(text);
        BigDecimal nanos = BigDecimal.ZERO;
        for (int at = 0; at < text.length(); at = part.end()) {
            part.region(at, text.length());
            if (!part.lookingAt()) {
                return Optional.empty();
            }
            BigDecimal unit = BigDecimal.valueOf(UNIT_NANOS.get(part.group(2)));
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(unit));
        }
        if (nanos.compareTo(LONGEST_NANOS) > 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(nanos.longValue()));
    }
}
