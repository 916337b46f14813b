package dev.quiver.orchestration.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.orchestration.pipeline.TriggerRule;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One case per rule and situation, as Airflow's trigger rule documentation and its TriggerRuleDep decide them
 * (S succeeded, F failed, U upstream-failed, K skipped, R running, P pending).
 */
class TriggerEvaluationTest {

    @ParameterizedTest(name = "{0} over [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
            "all-success                 | S S   | RUN",
            "all-success                 | S R   | WAIT",
            "all-success                 | S F   | UPSTREAM_FAILED",
            "all-success                 | S U   | UPSTREAM_FAILED",
            "all-success                 | S K   | SKIP",
            "all-success                 |       | RUN",
            "all-failed                  | F U   | RUN",
            "all-failed                  | F R   | WAIT",
            "all-failed                  | F S   | SKIP",
            "all-failed                  | F K   | SKIP",
            "all-done                    | S F K | RUN",
            "all-done                    | S P   | WAIT",
            "one-success                 | S R   | RUN",
            "one-success                 | F R   | WAIT",
            "one-success                 | F F   | UPSTREAM_FAILED",
            "one-success                 | F K   | UPSTREAM_FAILED",
            "one-success                 | K K   | SKIP",
            "one-failed                  | F R   | RUN",
            "one-failed                  | U P   | RUN",
            "one-failed                  | S R   | WAIT",
            "one-failed                  | S K   | SKIP",
            "none-failed                 | S K   | RUN",
            "none-failed                 | K K   | RUN",
            "none-failed                 | S R   | WAIT",
            "none-failed                 | S F   | UPSTREAM_FAILED",
            "none-failed-min-one-success | S K   | RUN",
            "none-failed-min-one-success | K K   | SKIP",
            "none-failed-min-one-success | U S   | UPSTREAM_FAILED",
            "none-failed-min-one-success | S R   | WAIT",
            "always                      | F R   | RUN",
            "at-least 2                  | S S R | RUN",
            "at-least 2                  | S F R | WAIT",
            "at-least 2                  | S F F | UPSTREAM_FAILED",
            "at-least 2                  | S K K | SKIP",
            "at-least 2                  | S S F | RUN",
            "at-least 3                  | S S P | WAIT",
    })
    void decides(String rule, String states, Verdict.Outcome expected) {
        Verdict verdict = TriggerEvaluation.evaluate(rule(rule), states(states));
        assertThat(verdict.outcome()).as(verdict.reason()).isEqualTo(expected);
        assertThat(verdict.reason()).isNotBlank();
    }

    private static TriggerRule rule(String text) {
        if (text.startsWith("at-least ")) {
            return TriggerRule.atLeast(Integer.parseInt(text.substring("at-least ".length())));
        }
        return TriggerRule.of(TriggerRule.Kind.fromYaml(text).orElseThrow());
    }

    private static List<StepState> states(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.trim().split("\\s+")).map(code -> switch (code) {
            case "S" -> StepState.SUCCEEDED;
            case "F" -> StepState.FAILED;
            case "U" -> StepState.UPSTREAM_FAILED;
            case "K" -> StepState.SKIPPED;
            case "R" -> StepState.RUNNING;
            case "P" -> StepState.PENDING;
            default -> throw new IllegalArgumentException(code);
        }).toList();
    }
}
