package dev.quiver.orchestration.retry.backoff;

import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigNode;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.DurationText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The fields of one {@code retry.backoff} block, each read by the shapes its source system gives it; a value of the
 * wrong shape is a problem at the field's path and line, and every field is read so that all of them are reported at
 * once. Ranges are left to the policies, which know them.
 */
final class BackoffFields {

    private static final Pattern WHOLE_NUMBER_TEXT = Pattern.compile("-?\\d{1,10}");

    private final ConfigMapping block;
    private boolean failed;

    /** Reports each field that {@code mode} does not know, so that a misspelt field is not silently defaulted. */
    BackoffFields(ConfigMapping block, String mode, List<String> known) {
        this.block = block;
        List<String> allowed = new ArrayList<>(known);
        allowed.add("mode");
        block.allowOnly(allowed, "unknown setting for mode " + mode);
    }

    Optional<Duration> duration(String field) {
        return given(field).flatMap(value -> read(value.duration()));
    }

    /** Argo's durations: a bare whole number, written as a number or as text, is seconds. */
    Optional<Duration> secondsOrDuration(String field) {
        return given(field).flatMap(value -> {
            Optional<Duration> duration = wholeNumberIn(value, true).map(Duration::ofSeconds)
                    .or(() -> value.asText().flatMap(DurationText::parse));
            if (duration.isEmpty()) {
                value.expected("seconds as a whole number, or a duration such as " + DurationText.FORMS);
            }
            return read(duration);
        });
    }

    Optional<Integer> wholeNumber(String field) {
        return given(field).flatMap(value -> read(value.wholeNumber()));
    }

    /** Argo's IntOrString: a whole number, or text that is one ({@code "10"}, as Argo's examples quote it). */
    Optional<Integer> wholeNumberOrText(String field) {
        return given(field).flatMap(value -> {
            Optional<Integer> number = wholeNumberIn(value, true);
            if (number.isEmpty()) {
                value.expected("a whole number, or text that is one");
            }
            return read(number);
        });
    }

    Optional<Double> number(String field) {
        return given(field).flatMap(value -> read(value.number()));
    }

    <T> Optional<T> choice(String field, Map<String, T> choices, List<String> shown) {
        return given(field).flatMap(value -> {
            Optional<T> choice = value.asText().map(choices::get);
            if (choice.isEmpty()) {
                value.expected("one of " + String.join(", ", shown));
            }
            return read(choice);
        });
    }

    Optional<List<String>> names(String field, String what) {
        return given(field).flatMap(value -> read(value.list("expected a list of " + what + ", got " + value.shown())
                .flatMap(items -> {
                    List<String> names = new ArrayList<>();
                    for (ConfigValue item : items) {
                        item.asText().filter(name -> !name.isBlank()).ifPresentOrElse(names::add,
                                () -> item.expected("a name"));
                    }
                    return names.size() == items.size() ? Optional.of(List.copyOf(names)) : Optional.empty();
                })));
    }

    /**
     * The policy {@code build} makes from the fields read, when each was as expected; a refusal of the policy's own
     * (a value out of range) is a problem of the block.
     */
    Optional<BackoffPolicy> build(Supplier<BackoffPolicy> build) {
        if (failed) {
            return Optional.empty();
        }
        try {
            return Optional.of(build.get());
        } catch (IllegalArgumentException e) {
            block.value().problem(e.getMessage());
            return Optional.empty();
        }
    }

    /** Reports a field written with no value ({@code cap:} or {@code cap: ~}) rather than taking it as left out. */
    private Optional<ConfigValue> given(String field) {
        Optional<ConfigValue> value = block.get(field);
        if (value.isPresent() && value.get().isNull()) {
            value.get().problem("expected a value, got nothing; leave the field out for its default");
            failed = true;
            return Optional.empty();
        }
        return value;
    }

    private <T> Optional<T> read(Optional<T> value) {
        failed |= value.isEmpty();
        return value;
    }

    private static Optional<Integer> wholeNumberIn(ConfigValue value, boolean textAllowed) {
        if (!(value.node() instanceof ConfigNode.Scalar scalar)) {
            return Optional.empty();
        }
        if (scalar.value() instanceof Long number) {
            return number == number.intValue() ? Optional.of(number.intValue()) : Optional.empty();
        }
        if (textAllowed && scalar.type() == ConfigNode.ScalarType.TEXT
                && WHOLE_NUMBER_TEXT.matcher(scalar.text()).matches()) {
            long number = Long.parseLong(scalar.text());
            return number == (int) number ? Optional.of((int) number) : Optional.empty();
        }
        return Optional.empty();
    }
}
