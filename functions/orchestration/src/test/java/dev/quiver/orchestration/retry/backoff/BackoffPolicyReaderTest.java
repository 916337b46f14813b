package dev.quiver.orchestration.retry.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigProblem;
import dev.quiver.configfile.DurationText;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Blocks as a pipeline file writes them: text, whole numbers, decimals, lists. */
class BackoffPolicyReaderTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void anEmptyBlockIsQuiversExponentialBackoffWithItsDefaults() {
        assertThat(read(Map.of())).isEqualTo(new ExponentialBackoff(Duration.ofSeconds(10), 2.0,
                Duration.ofMinutes(10), Jitter.FULL, Optional.of(Duration.ofHours(1)), Optional.empty()));
    }

    @Test
    void readsEveryExponentialField() {
        Map<String, Object> block = Map.of("mode", "exponential", "initial", "500ms", "factor", 1.5, "cap", "1m30s",
                "jitter", "none", "budget", "2h", "max-attempts", 6L);

        assertThat(read(block)).isEqualTo(new ExponentialBackoff(Duration.ofMillis(500), 1.5,
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
            "PT10S,   PT10S",
    })
    void readsTheOneDurationGrammar(String text, Duration expected) {
        ExponentialBackoff policy = (ExponentialBackoff) read(Map.of("initial", text, "cap", "3d"));

        assertThat(policy.initial()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"10", "10 s", "ten seconds", "-1s", "1x", "", "s", "1h 30m", "-PT10S"})
    void refusesWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> read(Map.of("initial", text)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initial: expected a duration such as " + DurationText.FORMS + ", got \"" + text + "\"");
    }

    @Test
    void readsArgoFieldsQuotedOrNotAsArgoTakesThem() {
        // examples/retry-backoff.yaml quotes them all: limit "10", duration "1", factor "2", maxDuration "1m"
        ArgoBackoff expected = new ArgoBackoff(Duration.ofSeconds(1), 2, Optional.empty(),
                Optional.of(Duration.ofMinutes(1)), Optional.of(10));

        assertThat(read(Map.of("mode", "argo", "limit", "10", "duration", "1", "factor", "2",
                "maxDuration", "1m"))).isEqualTo(expected);
        assertThat(read(Map.of("mode", "argo", "limit", 10L, "duration", 1L, "factor", 2L,
                "maxDuration", "60"))).isEqualTo(expected);
        assertThat(read(Map.of("mode", "argo", "duration", "1m30s", "cap", "1h")))
                .isEqualTo(new ArgoBackoff(Duration.ofSeconds(90), 1, Optional.of(Duration.ofHours(1)),
                        Optional.empty(), Optional.empty()));
    }

    @Test
    void argoRequiresADuration() {
        assertThatThrownBy(() -> read(Map.of("mode", "argo", "factor", 2L)))
                .hasMessageStartingWith("duration: required in an argo backoff");
    }

    @Test
    void readsAStepFunctionsRetrierWithTheDocumentedDefaults() {
        assertThat(read(Map.of("mode", "step-functions")))
                .isEqualTo(new StepFunctionsRetrier(1, 2.0, 3, Optional.empty(), Jitter.NONE));
        assertThat(read(Map.of("mode", "step-functions", "IntervalSeconds", 3L, "MaxAttempts", 3L,
                "BackoffRate", 2L, "MaxDelaySeconds", 5L, "JitterStrategy", "FULL")))
                .isEqualTo(new StepFunctionsRetrier(3, 2.0, 3, Optional.of(5), Jitter.FULL));
    }

    @Test
    void readsATemporalRetryPolicyWithTheDocumentedDefaults() {
        assertThat(read(Map.of("mode", "temporal")))
                .isEqualTo(new TemporalRetryPolicy(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(100), 0, List.of()));
        assertThat(read(Map.of("mode", "temporal", "initialInterval", "2s")))
                .isEqualTo(new TemporalRetryPolicy(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(200), 0, List.of()));
        assertThat(read(Map.of("mode", "temporal", "initialInterval", "500ms",
                "backoffCoefficient", 1.5, "maximumInterval", "1m", "maximumAttempts", 10L,
                "nonRetryableErrorTypes", List.of("InvalidInput"))))
                .isEqualTo(new TemporalRetryPolicy(Duration.ofMillis(500), 1.5, Duration.ofMinutes(1), 10,
                        List.of("InvalidInput")));
    }

    @Test
    void refusesAnUnknownModeAndAFieldItsModeDoesNotKnow() {
        assertThatThrownBy(() -> read(Map.of("mode", "airflow")))
                .hasMessage("mode: expected exponential, argo, step-functions or temporal, got \"airflow\"");
        assertThatThrownBy(() -> read(Map.of("mode", "argo", "duration", "1", "maxDelay", "1m")))
                .hasMessage("maxDelay: unknown setting for mode argo; expected one of duration, factor, cap, "
                        + "maxDuration, limit, mode");
        assertThatThrownBy(() -> read(Map.of("IntervalSeconds", 3L)))
                .hasMessage("IntervalSeconds: unknown setting for mode exponential; expected one of initial, "
                        + "factor, cap, jitter, budget, max-attempts, mode");
    }

    @Test
    void refusesValuesOfTheWrongShapeNamingTheField() {
        assertThatThrownBy(() -> read(Map.of("factor", "fast")))
                .hasMessage("factor: expected a number, got \"fast\"");
        assertThatThrownBy(() -> read(Map.of("jitter", "FULL")))
                .hasMessage("jitter: expected one of full, none, got \"FULL\"");
        assertThatThrownBy(() -> read(Map.of("max-attempts", 2.5)))
                .hasMessage("max-attempts: expected a whole number, got 2.5");
        assertThatThrownBy(() -> read(Map.of("mode", "step-functions", "IntervalSeconds", "3s")))
                .hasMessage("IntervalSeconds: expected a whole number, got \"3s\"");
        assertThatThrownBy(() -> read(Map.of("mode", "step-functions", "JitterStrategy", "full")))
                .hasMessage("JitterStrategy: expected one of FULL, NONE, got \"full\"");
        assertThatThrownBy(() -> read(Map.of("mode", "temporal", "nonRetryableErrorTypes",
                "InvalidInput"))).hasMessage("nonRetryableErrorTypes: expected a list of error type names, got "
                + "\"InvalidInput\"");
        assertThatThrownBy(() -> read(Map.of("mode", "argo", "duration", "1", "limit", "ten")))
                .hasMessage("limit: expected a whole number, or text that is one, got \"ten\"");
        assertThatThrownBy(() -> read(Map.of("mode", "argo", "duration", "soon")))
                .hasMessage("duration: expected seconds as a whole number, or a duration such as "
                        + DurationText.FORMS + ", got \"soon\"");
    }

    @Test
    void refusesAFieldGivenWithoutAValue() {
        Map<String, Object> block = new HashMap<>();
        block.put("cap", null);

        assertThatThrownBy(() -> read(block))
                .hasMessage("cap: expected a value, got nothing; leave the field out for its default");
    }

    @Test
    void passesOnThePoliciesRefusalsOfValuesOutOfRange() {
        assertThatThrownBy(() -> read(Map.of("mode", "step-functions", "BackoffRate", 0.5)))
                .hasMessage("BackoffRate: expected a number from 1.0, got 0.5");
        assertThatThrownBy(() -> read(Map.of("initial", "20m")))
                .hasMessage("cap: expected a duration no shorter than initial PT20M, got PT10M");
    }

    @Test
    void reportsEveryMalformedFieldAtOnce() {
        assertThatThrownBy(() -> read(Map.of("mode", "temporal", "initialInterval", "soon", "backoffCoefficient",
                "fast", "maximumAttempts", 2.5)))
                .hasMessageContaining("initialInterval: expected a duration such as")
                .hasMessageContaining("backoffCoefficient: expected a number, got \"fast\"")
                .hasMessageContaining("maximumAttempts: expected a whole number, got 2.5");
    }

    /** Reads {@code block} as a pipeline file would hold it: written as YAML, then read through the one reader. */
    private static BackoffPolicy read(Map<String, ?> block) {
        ConfigFile file;
        try {
            file = ConfigFile.yaml("backoff", YAML.writeValueAsString(block));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Optional<BackoffPolicy> policy = BackoffPolicyReader.read(file.root());
        if (!file.valid()) {
            throw new IllegalArgumentException(file.problems().stream()
                    .map(problem -> problem.path().equals(ConfigProblem.WHOLE_FILE) ? problem.message()
                            : problem.path() + ": " + problem.message())
                    .collect(Collectors.joining("; ")));
        }
        return policy.orElseThrow();
    }
}
