package dev.quiver.configfile;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way a Quiver file writes a duration, wherever it has one (a step's {@code deadline}, {@code retry.backoff},
 * {@code memoize.max-age}, a plan's {@code per} and {@code queue-timeout}, a built-in step's parameters):
 * <ul>
 *   <li>Go's notation, which Argo takes its durations in: one or more parts, each a number (decimals allowed) and a
 *       unit out of {@code ns}, {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}, and {@code d}
 *       for days as Argo's examples use it: {@code 250ms}, {@code 90s}, {@code 1m30s}, {@code 1.5h}, {@code 14d};</li>
 *   <li>ISO-8601, as {@link Duration#parse} reads it: {@code PT1M30S}, {@code PT0.25S}, {@code P2DT3H}.</li>
 * </ul>
 * Never negative. Whether zero is allowed, and any bound, is each setting's rule.
 */
public final class DurationText {

    /** The forms, for messages: "expected a duration such as ...". */
    public static final String FORMS = "250ms, 90s, 1m30s, 1.5h or 14d (units ns, us, ms, s, m, h, d), or ISO-8601 "
            + "such as PT1M30S";

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
    /** The longest a duration may be, so that the arithmetic done with it in nanoseconds cannot overflow. */
    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);
    private static final BigDecimal LONGEST_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private DurationText() {
    }

    /** Empty when the text is not a duration, is negative, or is longer than {@link Duration#toNanos()} carries. */
    public static Optional<Duration> parse(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> duration = Character.isDigit(trimmed.charAt(0)) || trimmed.charAt(0) == '.'
                ? goNotation(trimmed) : iso(trimmed);
        return duration.filter(value -> !value.isNegative() && value.compareTo(LONGEST) <= 0);
    }

    private static Optional<Duration> goNotation(String text) {
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
        return nanos.compareTo(LONGEST_NANOS) > 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos.longValue()));
    }

    private static Optional<Duration> iso(String text) {
        try {
            return Optional.of(Duration.parse(text));
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
    }
}
