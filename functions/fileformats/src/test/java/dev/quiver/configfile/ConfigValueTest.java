package dev.quiver.configfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each read: what it takes, and the problem it adds otherwise, with the value's path and line. */
class ConfigValueTest {

    @Test
    void textIsAnyScalarButNullAsWritten() {
        assertRead("v: hello", ConfigValue::text, "hello");
        assertRead("v: 1.10", ConfigValue::text, "1.10");
        assertRead("v: yes", ConfigValue::text, "yes");
        assertRefused("v: \"  \"", ConfigValue::text, "line 1, v: expected a text value, got \"  \"");
        assertRefused("v:", ConfigValue::text, "line 1, v: expected a text value, got nothing");
        assertRefused("v: [a]", ConfigValue::text, "line 1, v: expected a text value, got a list");
    }

    @Test
    void wholeNumbersWithTheirBounds() {
        assertRead("v: 3", ConfigValue::wholeNumber, 3);
        assertRead("v: -3", value -> value.wholeNumber(), -3);
        assertRefused("v: 0", value -> value.wholeNumber(1), "line 1, v: expected a whole number from 1, got 0");
        assertRefused("v: 2.5", ConfigValue::wholeNumber, "line 1, v: expected a whole number, got 2.5");
        assertRefused("v: \"4\"", ConfigValue::wholeNumber, "line 1, v: expected a whole number, got \"4\"");
        assertRefused("v: 3000000000", ConfigValue::wholeNumber,
                "line 1, v: expected a whole number, got 3000000000");
        assertRead("v: 3000000000", value -> value.wholeNumber(1, Long.MAX_VALUE), 3_000_000_000L);
        assertRefused("v: 11", value -> value.wholeNumber(0, 10),
                "line 1, v: expected a whole number from 0 to 10, got 11");
    }

    @Test
    void numbersWithTheirBounds() {
        assertRead("v: 2", ConfigValue::number, 2.0);
        assertRead("v: 0.5", value -> value.number(0, true), 0.5);
        assertRefused("v: 1", value -> value.number(1, false), "line 1, v: expected a number above 1, got 1");
        assertRefused("v: -0.5", value -> value.number(0, true), "line 1, v: expected a number from 0, got -0.5");
        assertRefused("v: .inf", ConfigValue::number, "line 1, v: expected a number, got .inf");
        assertRefused("v: many", ConfigValue::number, "line 1, v: expected a number, got \"many\"");
    }

    @Test
    void booleans() {
        assertRead("v: false", ConfigValue::bool, false);
        assertRefused("v: sometimes", ConfigValue::bool, "line 1, v: expected true or false, got \"sometimes\"");
        assertRefused("v: 1", ConfigValue::bool, "line 1, v: expected true or false, got 1");
    }

    @Test
    void durationsInTheOneGrammar() {
        assertRead("v: 1m30s", ConfigValue::positiveDuration, Duration.ofSeconds(90));
        assertRead("v: PT1M30S", ConfigValue::positiveDuration, Duration.ofSeconds(90));
        assertRead("v: 0s", ConfigValue::duration, Duration.ZERO);
        assertRefused("v: 0s", ConfigValue::positiveDuration, "line 1, v: expected a positive duration such as "
                + DurationText.FORMS + ", got \"0s\"");
        assertRefused("v: 90", ConfigValue::duration, "line 1, v: expected a duration such as " + DurationText.FORMS
                + ", got 90");
    }

    @Test
    void mappingsAndListsKnowThePathsOfTheirParts() {
        ConfigFile file = ConfigFile.yaml("test", """
                steps:
                  - name: a
                    deps: [x, 2]
                    colour: red
                """);
        ConfigMapping step = file.root().mapping("top").orElseThrow().get("steps").orElseThrow().list("steps")
                .orElseThrow().getFirst().mapping("step").orElseThrow();
        step.allowOnly(List.of("name", "deps"));
        List<ConfigValue> deps = step.get("deps").orElseThrow().list("a list").orElseThrow();
        deps.get(1).bool();
        step.required("executor", "required, one of process, function");
        step.get("name").orElseThrow().mapping("expected a mapping of names");

        assertThat(file.problems()).extracting(ConfigProblem::toString).containsExactly(
                "line 4, steps[0].colour: unknown setting; expected one of name, deps",
                "line 3, steps[0].deps[1]: expected true or false, got 2",
                "line 2, steps[0].executor: required, one of process, function",
                "line 2, steps[0].name: expected a mapping of names");
        assertThat(step.entries()).containsOnlyKeys("name", "deps", "colour");
    }

    @Test
    void plainValuesAreWhatJacksonWouldGiveWithTheTextOfYaml() {
        ConfigFile file = ConfigFile.yaml("test", "params: {command: [python, train.py], epochs: 20, rate: 0.1, "
                + "fast: true, note: ~}\n");

        Object params = file.root().mapping("top").orElseThrow().get("params").orElseThrow().plain();
        Map<String, Object> expected = new java.util.LinkedHashMap<>();
        expected.put("command", List.of("python", "train.py"));
        expected.put("epochs", 20L);
        expected.put("rate", 0.1);
        expected.put("fast", true);
        expected.put("note", null);
        assertThat(params).isEqualTo(expected);
    }

    private static <T> void assertRead(String yaml, Function<ConfigValue, Optional<T>> read, T expected) {
        ConfigFile file = ConfigFile.yaml("test", yaml + "\n");
        assertThat(read.apply(value(file))).contains(expected);
        assertThat(file.problems()).isEmpty();
    }

    private static <T> void assertRefused(String yaml, Function<ConfigValue, Optional<T>> read, String problem) {
        ConfigFile file = ConfigFile.yaml("test", yaml + "\n");
        assertThat(read.apply(value(file))).isEmpty();
        assertThat(file.problems()).extracting(ConfigProblem::toString).containsExactly(problem);
    }

    private static ConfigValue value(ConfigFile file) {
        return file.root().mapping("a mapping").orElseThrow().get("v").orElseThrow();
    }
}
