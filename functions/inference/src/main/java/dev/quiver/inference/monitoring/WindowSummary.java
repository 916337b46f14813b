package dev.quiver.inference.monitoring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * What a version's latest predictions look like: for a classifier how many items went to each class, for a regressor
 * the quantiles, mean and standard deviation of its values (exact, over the window, with Commons Math). A full window
 * whose items are all one class, or whose values hardly vary, is {@linkplain #constant() constant}.
 *
 * @param items     items in the window
 * @param full      whether the window is full: only a full window is judged constant
 * @param classes   items per predicted class, by class (classifiers; empty otherwise)
 * @param quantiles value at each quantile (regressors; empty otherwise)
 */
record WindowSummary(PredictionKind kind, int items, boolean full, long total, Map<Integer, Long> classes,
                     Map<Double, Double> quantiles, Double mean, Double standardDeviation) {

    static final double[] QUANTILES = {0.05, 0.25, 0.5, 0.75, 0.95};
    /** A standard deviation this small against the mean's size (or below it when the mean is small) is no variation. */
    static final double RELATIVE_TOLERANCE = 1e-9;

    static final WindowSummary EMPTY = new WindowSummary(null, 0, false, 0, Map.of(), Map.of(), null, null);

    static WindowSummary of(PredictionWindow.Snapshot snapshot) {
        double[] values = snapshot.values();
        if (snapshot.kind() == null || values.length == 0) {
            return new WindowSummary(snapshot.kind(), 0, false, snapshot.total(), Map.of(), Map.of(), null, null);
        }
        if (snapshot.kind() == PredictionKind.CLASSIFIER) {
            Map<Integer, Long> classes = new TreeMap<>();
            for (double value : values) {
                classes.merge((int) value, 1L, Long::sum);
            }
            return new WindowSummary(snapshot.kind(), values.length, snapshot.full(), snapshot.total(), classes,
                    Map.of(), null, null);
        }
        Percentile percentile = new Percentile();
        percentile.setData(values);
        Map<Double, Double> quantiles = new LinkedHashMap<>();
        for (double quantile : QUANTILES) {
            quantiles.put(quantile, percentile.evaluate(quantile * 100));
        }
        return new WindowSummary(snapshot.kind(), values.length, snapshot.full(), snapshot.total(), Map.of(),
                quantiles, StatUtils.mean(values), Math.sqrt(StatUtils.populationVariance(values)));
    }

    /** A full window of one class, or of values whose spread is nothing against their size. */
    boolean constant() {
        if (!full) {
            return false;
        }
        if (kind == PredictionKind.CLASSIFIER) {
            return classes.size() == 1;
        }
        return standardDeviation != null && standardDeviation <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(mean));
    }

    /** Why the window is constant, in words, for the alert. */
    String constantReason() {
        return kind == PredictionKind.CLASSIFIER
                ? "the latest " + items + " predicted items were all class " + classes.keySet().iterator().next()
                : "the latest " + items + " predicted values were all " + mean + " (standard deviation "
                        + standardDeviation + ")";
    }
}
