package dev.quiver.inference.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a window of predictions says, and when it is constant: one case per rule. */
class WindowSummaryTest {

    @Test
    void aClassifiersWindowCountsItsClassesAndIsConstantOnlyWhenFullOfOne() {
        PredictionWindow window = new PredictionWindow(4);
        window.record(answer(PredictionKind.CLASSIFIER, 2, 2, 2));
        WindowSummary partial = WindowSummary.of(window.snapshot());
        assertThat(partial.classes()).containsExactly(Map.entry(2, 3L));
        assertThat(partial.constant()).as("a window not yet full is not judged").isFalse();
        window.record(answer(PredictionKind.CLASSIFIER, 2));
        assertThat(WindowSummary.of(window.snapshot()).constant()).isTrue();
        window.record(answer(PredictionKind.CLASSIFIER, 5));
        WindowSummary varied = WindowSummary.of(window.snapshot());
        assertThat(varied.classes()).containsEntry(2, 3L).containsEntry(5, 1L);
        assertThat(varied.constant()).isFalse();
        assertThat(varied.total()).isEqualTo(5);
    }

    @Test
    void aRegressorsWindowHasQuantilesAndIsConstantWhenItsValuesDoNotVary() {
        PredictionWindow window = new PredictionWindow(100);
        double[] values = new double[100];
        for (int i = 0; i < values.length; i++) {
            values[i] = i + 1;
        }
        window.record(new Answer(1, PredictionKind.REGRESSOR, values));
        WindowSummary summary = WindowSummary.of(window.snapshot());
        assertThat(summary.quantiles().get(0.5)).isEqualTo(50.5);
        assertThat(summary.quantiles().get(0.95)).isBetween(95.0, 96.0);
        assertThat(summary.mean()).isEqualTo(50.5);
        assertThat(summary.constant()).isFalse();

        double[] same = new double[100];
        Arrays.fill(same, 1234.5);
        same[7] = 1234.5 + 1e-9;
        window.record(new Answer(1, PredictionKind.REGRESSOR, same));
        assertThat(WindowSummary.of(window.snapshot()).constant()).as("a spread of 1e-9 on 1234.5").isTrue();
    }

    @Test
    void aRequestLargerThanTheWindowLeavesItsLastItems() {
        PredictionWindow window = new PredictionWindow(3);
        window.record(answer(PredictionKind.CLASSIFIER, 1, 2, 3, 4, 5));
        assertThat(window.snapshot().values()).containsExactly(3, 4, 5);
    }

    @Test
    void thePopulationStabilityIndexIsZeroForTheSameSharesAndLargeForMovedOnes() {
        assertThat(PredictionShift.psi(Map.of(0, 10L, 1, 10L), Map.of(0, 50L, 1, 50L))).isZero();
        // 25 % each of four classes, then half 0 and half 1: two classes vanish
        double moved = PredictionShift.psi(Map.of(0, 5L, 1, 5L, 2, 5L, 3, 5L), Map.of(0, 10L, 1, 10L));
        double expected = 2 * 0.25 * Math.log(2) + 2 * (1e-4 - 0.25) * Math.log(1e-4 / 0.25);
        assertThat(moved).isCloseTo(expected, offset(1e-12));
    }

    private static Answer answer(PredictionKind kind, double... values) {
        return new Answer(1, kind, values);
    }
}
