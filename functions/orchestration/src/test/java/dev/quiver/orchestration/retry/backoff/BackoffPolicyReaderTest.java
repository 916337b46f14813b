package dev.quiver.orchestration.retry.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Blocks as the pipeline parser hands them over: strings, longs, doubles, lists. */
class BackoffPolicyReaderTest {

    @Test
    void anEmptyBlockIsQuiversExponentialBackoffWithItsDefaults() {
        assertThat(BackoffPolicyReader.read(Map.of())).isEqualTo(new ExponentialBackoff(Duration.ofSeconds(10), 2.0,
                Duration.ofMinutes(10), Jitter.FULL, Optional.of(Duration.ofHours(1)), Optional.empty()));
    }

    @Test
    void readsEveryExponentialField() {
        Map<String, Object> block = Map.of("mode", "exponential", "initial", "500ms", "factor", 1.5, "cap", "1m30s",
                "jitter", "none", "budget", "2h", "max-attempts", 6L);

        assertThat(BackoffPolicyReader.read(block)).isEqualTo(new ExponentialBackoff(Duration.ofMillis(500), 1.5,
                Duration.ofSeconds(90), Jitter.NONE, Optional.of(Duration.ofHours(2)), Optional.of(6)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "500ms,   PT0.5S",
            "10s,     PT10S",
            "2m,      PT2M",
            "1h,      PT1H",
            "1m30s,   PT1M30S",
            "1.5h,    PT1H30M",
            "1h2m3s,  PT1H2M3S",
            "2d,      PT48H",
            "1500us,  PT0.0015S",
    })
    void readsGoStyleDurations(String text, Duration expected) {
        ExponentialBackoff policy = (ExponentialBackoff) BackoffPolicyReader.read(Map.of("initial", text, "cap", "3d"));

        assertThat(policy.initial()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"10", "10 s", "ten seconds", "-1s", "1x", "", "s", "1h 30m", "PT10S"})
    void refusesWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("initial", text)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initial: expected a duration such as 500ms, 10s, 2m, 1h or 1m30s, got \"" + text + "\"");
    }

    @Test
    void readsArgoFieldsQuotedOrNotAsArgoTakesThem() {
        // examples/retry-backoff.yaml quotes them all: limit "10", duration "1", factor "2", maxDuration "1m"
        ArgoBackoff expected = new ArgoBackoff(Duration.ofSeconds(1), 2, Optional.empty(),
                Optional.of(Duration.ofMinutes(1)), Optional.of(10));

        assertThat(BackoffPolicyReader.read(Map.of("mode", "argo", "limit", "10", "duration", "1", "factor", "2",
                "maxDuration", "1m"))).isEqualTo(expected);
        assertThat(BackoffPolicyReader.read(Map.of("mode", "argo", "limit", 10L, "duration", 1L, "factor", 2L,
                "maxDuration", "60"))).isEqualTo(expected);
        assertThat(BackoffPolicyReader.read(Map.of("mode", "argo", "duration", "1m30s", "cap", "1h")))
                .isEqualTo(new ArgoBackoff(Duration.ofSeconds(90), 1, Optional.of(Duration.ofHours(1)),
                        Optional.empty(), Optional.empty()));
    }

    @Test
    void argoRequiresADuration() {
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "argo", "factor", 2L)))
                .hasMessageStartingWith("duration: required in an argo backoff");
    }

    @Test
    void readsAStepFunctionsRetrierWithTheDocumentedDefaults() {
        assertThat(BackoffPolicyReader.read(Map.of("mode", "step-functions")))
                .isEqualTo(new StepFunctionsRetrier(1, 2.0, 3, Optional.empty(), Jitter.NONE));
        assertThat(BackoffPolicyReader.read(Map.of("mode", "step-functions", "IntervalSeconds", 3L, "MaxAttempts", 3L,
                "BackoffRate", 2L, "MaxDelaySeconds", 5L, "JitterStrategy", "FULL")))
                .isEqualTo(new StepFunctionsRetrier(3, 2.0, 3, Optional.of(5), Jitter.FULL));
    }

    @Test
    void readsATemporalRetryPolicyWithTheDocumentedDefaults() {
        assertThat(BackoffPolicyReader.read(Map.of("mode", "temporal")))
                .isEqualTo(new TemporalRetryPolicy(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(100), 0, List.of()));
        assertThat(BackoffPolicyReader.read(Map.of("mode", "temporal", "initialInterval", "2s")))
                .isEqualTo(new TemporalRetryPolicy(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(200), 0, List.of()));
        assertThat(BackoffPolicyReader.read(Map.of("mode", "temporal", "initialInterval", "500ms",
                "backoffCoefficient", 1.5, "maximumInterval", "1m", "maximumAttempts", 10L,
                "nonRetryableErrorTypes", List.of("InvalidInput"))))
                .isEqualTo(new TemporalRetryPolicy(Duration.ofMillis(500), 1.5, Duration.ofMinutes(1), 10,
                        List.of("InvalidInput")));
    }

    @Test
    void refusesAnUnknownModeAndAFieldItsModeDoesNotKnow() {
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "airflow")))
                .hasMessage("mode: expected exponential, argo, step-functions or temporal, got \"airflow\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "argo", "duration", "1", "maxDelay", "1m")))
                .hasMessage("unknown field \"maxDelay\" for mode argo: expected one of duration, factor, cap, "
                        + "maxDuration, limit");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("IntervalSeconds", 3L)))
                .hasMessage("unknown field \"IntervalSeconds\" for mode exponential: expected one of initial, "
                        + "factor, cap, jitter, budget, max-attempts");
    }

    @Test
    void refusesValuesOfTheWrongShapeNamingTheField() {
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("factor", "fast")))
                .hasMessage("factor: expected a number, got \"fast\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("jitter", "FULL")))
                .hasMessage("jitter: expected one of full, none, got \"FULL\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("max-attempts", 2.5)))
                .hasMessage("max-attempts: expected a whole number, got 2.5");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "step-functions", "IntervalSeconds", "3s")))
                .hasMessage("IntervalSeconds: expected a whole number, got \"3s\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "step-functions", "JitterStrategy", "full")))
                .hasMessage("JitterStrategy: expected one of FULL, NONE, got \"full\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "temporal", "nonRetryableErrorTypes",
                "InvalidInput"))).hasMessage("nonRetryableErrorTypes: expected a list of error type names, got "
                + "\"InvalidInput\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "argo", "duration", "1", "limit", "ten")))
                .hasMessage("limit: expected a whole number, or text that is one, got \"ten\"");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "argo", "duration", "soon")))
                .hasMessage("duration: expected seconds as a whole number, or a duration such as 500ms, 10s, 2m, 1h "
                        + "or 1m30s, got \"soon\"");
    }

    @Test
    void refusesAFieldGivenWithoutAValue() {
        Map<String, Object> block = new HashMap<>();
        block.put("cap", null);

        assertThatThrownBy(() -> BackoffPolicyReader.read(block))
                .hasMessage("cap: expected a value, got nothing; leave the field out for its default");
    }

    @Test
    void passesOnThePoliciesRefusalsOfValuesOutOfRange() {
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("mode", "step-functions", "BackoffRate", 0.5)))
                .hasMessage("BackoffRate: expected a number from 1.0, got 0.5");
        assertThatThrownBy(() -> BackoffPolicyReader.read(Map.of("initial", "20m")))
                .hasMessage("cap: expected a duration no shorter than initial PT20M, got PT10M");
    }
}
