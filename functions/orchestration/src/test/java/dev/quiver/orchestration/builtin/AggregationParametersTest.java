package dev.quiver.orchestration.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.DurationText;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AggregationParametersTest {

    @Test
    void defaultsAndGivenValues() {
        PredictionAggregation.Parameters defaults = PredictionAggregation.Parameters.from(Map.of());
        assertThat(defaults).isEqualTo(new PredictionAggregation.Parameters("holdout", -1, "input", "output", 256,
                Duration.ofSeconds(60), Optional.empty(), Optional.empty()));

        PredictionAggregation.Parameters given = PredictionAggregation.Parameters.from(Map.of("data", "test-rows",
                "label-column", 0, "batch-rows", 64L, "ready-timeout", "1m30s", "model", "digits",
                "versions", List.of(3, 5L, "4")));
        assertThat(given.readyTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(given.versions()).contains(List.of("3", "5", "4"));
        assertThat(given.model()).contains("digits");
    }

    @Test
    void aMalformedParameterIsRefusedByName() {
        assertThatThrownBy(() -> PredictionAggregation.Parameters.from(Map.of("ready-timeout", "soon")))
                .isInstanceOfSatisfying(BuiltInStepException.class, e -> assertThat(e.errorClass())
                        .isEqualTo("InvalidConfiguration"))
                .hasMessage("params.ready-timeout: expected a positive duration such as " + DurationText.FORMS
                        + ", got soon");
        assertThatThrownBy(() -> PredictionAggregation.Parameters.from(Map.of("batch-rows", 0)))
                .hasMessage("params.batch-rows: expected a whole number from 1, got 0");
        assertThatThrownBy(() -> PredictionAggregation.Parameters.from(Map.of("versions", List.of())))
                .hasMessage("params.versions: expected a non-empty list of version numbers, got []");
        assertThatThrownBy(() -> PredictionAggregation.Parameters.from(Map.of("data", "")))
                .hasMessage("params.data: expected a non-empty text, got ");
    }
}
