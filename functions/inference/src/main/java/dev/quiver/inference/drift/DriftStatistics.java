package dev.quiver.inference.drift;

import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * How far one feature's served values are from its training values, both counted in the baseline's fixed bins.
 *
 * <p>The population stability index is {@code sum over bins of (p - q) ln(p / q)}, p the served share of a bin and q
 * the training share, each count smoothed by half an item so that a bin empty on one side gives a large, finite
 * figure rather than infinity. It is a few lines, so it is written here; no library at hand computes it.
 *
 * <p>The Kolmogorov-Smirnov statistic is the largest gap between the two cumulative shares at the bin edges: the
 * two-sample statistic of values known only by their bins (exact when the values are the edges themselves, as with
 * pixel intensities, otherwise a lower bound). Its p-value is Apache Commons Math's asymptotic two-sample distribution
 * for the served and training counts. Binned, it needs no raw values, so a window costs its counts whatever its size.
 */
final class DriftStatistics {

    private static final KolmogorovSmirnovTest KS = new KolmogorovSmirnovTest();

    private DriftStatistics() {
    }

    static double psi(long[] training, long trainingTotal, long[] served, long servedTotal) {
        double psi = 0;
        int bins = training.length;
        for (int i = 0; i < bins; i++) {
            double q = (training[i] + 0.5) / (trainingTotal + 0.5 * bins);
            double p = (served[i] + 0.5) / (servedTotal + 0.5 * bins);
            psi += (p - q) * Math.log(p / q);
        }
        return psi;
    }

    static double ksStatistic(long[] training, long trainingTotal, long[] served, long servedTotal) {
        double gap = 0;
        long trainingBelow = 0;
        long servedBelow = 0;
        for (int i = 0; i < training.length - 1; i++) {
            trainingBelow += training[i];
            servedBelow += served[i];
            gap = Math.max(gap, Math.abs((double) trainingBelow / trainingTotal - (double) servedBelow / servedTotal));
        }
        return gap;
    }

    /** The p-value of the statistic for {@code served} and {@code training} items. */
    static double ksP(double statistic, long served, long training) {
        if (statistic <= 0) {
            return 1;
        }
        return Math.clamp(KS.approximateP(statistic, (int) Math.min(served, Integer.MAX_VALUE),
                (int) Math.min(training, Integer.MAX_VALUE)), 0, 1);
    }
}
