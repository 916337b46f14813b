package dev.quiver.orchestration.retry.backoff;

import dev.quiver.orchestration.pipeline.DurationText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of one {@code retry.backoff} block, read by the shapes YAML gives them (strings, whole numbers as longs,
 * decimals as doubles, lists), each refusal naming the field and what it expected. Ranges are left to the policies,
 * which know them.
 */
final class BackoffFields {

    private static final String DURATION_EXAMPLES = "a duration such as 500ms, 10s, 2m, 1h or 1m30s";

    private final Map<String, ?> block;

    /** Refuses at once a field that {@code mode} does not know, so that a misspelt field is not silently defaulted. */
    BackoffFields(Map<String, ?> block, String mode, List<String> known) {
        this.block = block;
        for (String field : block.keySet()) {
            if (!field.equals("mode") && !known.contains(field)) {
                throw new IllegalArgumentException("unknown field \"" + field + "\" for mode " + mode
                        + ": expected one of " + String.join(", ", known));
            }
        }
    }

    Optional<Duration> duration(String field) {
        return given(field).map(value -> {
            if (value instanceof String text) {
                Optional<Duration> duration = DurationText.parse(text);
                if (duration.isPresent()) {
                    return duration.get();
                }
            }
            throw expected(field, DURATION_EXAMPLES, value);
        });
    }

    /** Argo's durations: a bare whole number, written as a number or as text, is seconds. */
    Optional<Duration> secondsOrDuration(String field) {
        return given(field).map(value -> {
            Optional<Integer> seconds = wholeNumberIn(value, true);
            if (seconds.isPresent()) {
                return Duration.ofSeconds(seconds.get());
            }
            if (value instanceof String text) {
                Optional<Duration> duration = DurationText.parse(text);
                if (duration.isPresent()) {
                    return duration.get();
                }
            }
            throw expected(field, "seconds as a whole number, or " + DURATION_EXAMPLES, value);
        });
    }

    Optional<Integer> wholeNumber(String field) {
        return given(field).map(value -> wholeNumberIn(value, false)
                .orElseThrow(() -> expected(field, "a whole number", value)));
    }

    /** Argo's IntOrString: a whole number, or text that is one ({@code "10"}, as Argo's examples quote it). */
    Optional<Integer> wholeNumberOrText(String field) {
        return given(field).map(value -> wholeNumberIn(value, true)
                .orElseThrow(() -> expected(field, "a whole number, or text that is one", value)));
    }

    Optional<Double> number(String field) {
        return given(field).map(value -> {
            if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
                return number.doubleValue();
            }
            throw expected(field, "a number", value);
        });
    }

    <T> Optional<T> choice(String field, Map<String, T> choices, List<String> shown) {
        return given(field).map(value -> {
            if (value instanceof String text && choices.containsKey(text)) {
                return choices.get(text);
            }
            throw expected(field, "one of " + String.join(", ", shown), value);
        });
    }

    Optional<List<String>> names(String field, String what) {
        return given(field).map(value -> {
            if (value instanceof List<?> list) {
                List<String> names = new ArrayList<>();
                for (Object item : list) {
                    if (!(item instanceof String name) || name.isBlank()) {
                        throw expected(field, "a list of " + what, item);
                    }
                    names.add(name);
                }
                return List.copyOf(names);
            }
            throw expected(field, "a list of " + what, value);
        });
    }

    /** A field written with no value ({@code cap:} or {@code cap: ~}) is refused rather than taken as left out. */
    private Optional<Object> given(String field) {
        if (!block.containsKey(field)) {
            return Optional.empty();
        }
        Object value = block.get(field);
        if (value == null) {
            throw new IllegalArgumentException(field + ": expected a value, got nothing; leave the field out for its "
                    + "default");
        }
        return Optional.of(value);
    }

    private static Optional<Integer> wholeNumberIn(Object value, boolean textAllowed) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            long number = ((Number) value).longValue();
            return number == (int) number ? Optional.of((int) number) : Optional.empty();
        }
        if (textAllowed && value instanceof String text && text.matches("-?\\d{1,10}")) {
            long number = Long.parseLong(text);
            return number == (int) number ? Optional.of((int) number) : Optional.empty();
        }
        return Optional.empty();
    }

    private static IllegalArgumentException expected(String field, String what, Object got) {
        return new IllegalArgumentException(field + ": expected " + what + ", got " + shown(got));
    }

    private static String shown(Object value) {
        return switch (value) {
            case null -> "nothing";
            case String text -> "\"" + text + "\"";
            case Number number -> number.toString();
            case Boolean bool -> bool.toString();
            case List<?> list -> "a list";
            case Map<?, ?> map -> "a mapping";
            default -> "a " + value.getClass().getSimpleName();
        };
    }
}
