package dev.quiver.inference.drift;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The figures a window is judged by, on counts worked out by hand. */
class DriftStatisticsTest {

    @Test
    void theSameSharesHaveNoPsiAndNoKsGap() {
        long[] training = {100, 200, 700};
        long[] served = {10, 20, 70};
        assertThat(DriftStatistics.psi(training, 1000, served, 100)).isCloseTo(0, Offset.offset(0.002));
        assertThat(DriftStatistics.ksStatistic(training, 1000, served, 100)).isZero();
        assertThat(DriftStatistics.ksP(0, 100, 1000)).isEqualTo(1);
    }

    @Test
    void psiIsTheSumOfShareGapsWeightedByTheirLogRatio() {
        // shares 0.5/0.5 against 0.9/0.1, without smoothing: 0.4 ln(0.9/0.5) + (-0.4) ln(0.1/0.5) = 0.8789
        double psi = DriftStatistics.psi(new long[] {50_000, 50_000}, 100_000, new long[] {90_000, 10_000}, 100_000);
        assertThat(psi).isCloseTo(0.4 * Math.log(1.8) + 0.4 * Math.log(5), Offset.offset(1e-4));
    }

    @Test
    void aBinEmptyInTrainingGivesALargeFinitePsi() {
        double psi = DriftStatistics.psi(new long[] {1000, 0}, 1000, new long[] {0, 300}, 300);
        assertThat(psi).isFinite().isGreaterThan(10);
    }

    @Test
    void theKsGapIsTheLargestCumulativeDifferenceAndItsPValueFallsWithTheSamples() {
        long[] training = {250, 250, 250, 250};
        long[] served = {100, 100, 100, 100};
        long[] shifted = {0, 100, 100, 200};
        assertThat(DriftStatistics.ksStatistic(training, 1000, served, 400)).isZero();
        assertThat(DriftStatistics.ksStatistic(training, 1000, shifted, 400)).isCloseTo(0.25, Offset.offset(1e-12));
        double few = DriftStatistics.ksP(0.25, 20, 1000);
        double many = DriftStatistics.ksP(0.25, 400, 1000);
        assertThat(few).isGreaterThan(0.05);
        assertThat(many).isLessThan(1e-6);
    }
}
