package dev.quiver.orchestration.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSelectionTest {

    private final List<ModelSelection.Candidate> candidates = List.of(
            new ModelSelection.Candidate("train[0]", 0.81, "file:/m/0.onnx", null),
            new ModelSelection.Candidate("train[1]", 0.95, "file:/m/1.onnx", null),
            new ModelSelection.Candidate("train[2]", 0.90, null, null),
            new ModelSelection.Candidate("train[3]", null, "file:/m/3.onnx", null));

    @Test
    void theBestModelsPastTheThresholdAreChosenBestFirst() {
        ModelSelection.Selection selection = ModelSelection.select(candidates, "accuracy", 2, 0.8, false);
        assertThat(selection.chosen()).extracting(ModelSelection.Candidate::instance)
                .as("train[2] left no model, train[3] no metric").containsExactly("train[1]", "train[0]");
        assertThat(selection.reason()).isEqualTo("2 of 3 models with accuracy at least 0.8, best train[1] at 0.95");
    }

    @Test
    void noneQualifyingSaysWhy() {
        ModelSelection.Selection selection = ModelSelection.select(candidates, "accuracy", 1, 0.99, false);
        assertThat(selection.chosen()).isEmpty();
        assertThat(selection.reason()).isEqualTo("none of 3 models with accuracy reached at least 0.99");
    }

    @Test
    void forALossLowerIsBetter() {
        List<ModelSelection.Candidate> losses = List.of(
                new ModelSelection.Candidate("a", 0.30, "file:/a", null),
                new ModelSelection.Candidate("b", 0.12, "file:/b", null),
                new ModelSelection.Candidate("c", 0.50, "file:/c", null));
        assertThat(ModelSelection.select(losses, "loss", 2, 0.4, true).chosen())
                .extracting(ModelSelection.Candidate::instance).containsExactly("b", "a");
    }

    @Test
    void theStepsParametersAreReadOrRefusedByName() {
        assertThat(ModelSelection.Criteria.from(Map.of("metric", "accuracy", "top", 2L, "threshold", 0.9)))
                .isEqualTo(new ModelSelection.Criteria("accuracy", 2, 0.9, false));
        assertThat(ModelSelection.Criteria.from(Map.of("metric", "loss", "lower-is-better", true)))
                .isEqualTo(new ModelSelection.Criteria("loss", 1, null, true));
        assertThatThrownBy(() -> ModelSelection.Criteria.from(Map.of("top", 2L)))
                .hasMessage("params.metric: required, the name of the metric to compare");
        assertThatThrownBy(() -> ModelSelection.Criteria.from(Map.of("metric", "accuracy", "top", "two")))
                .hasMessage("params.top: expected a whole number from 1, got two");
        assertThatThrownBy(() -> ModelSelection.Criteria.from(Map.of("metric", "accuracy", "top", 0L)))
                .hasMessage("params.top: expected a whole number from 1, got 0");
        assertThatThrownBy(() -> ModelSelection.Criteria.from(Map.of("metric", "accuracy", "threshold", "high")))
                .hasMessage("params.threshold: expected a number, got high");
        assertThatThrownBy(() -> ModelSelection.Criteria.from(Map.of("metric", "loss", "lower-is-better", "yes")))
                .hasMessage("params.lower-is-better: expected true or false, got yes");
    }
}
