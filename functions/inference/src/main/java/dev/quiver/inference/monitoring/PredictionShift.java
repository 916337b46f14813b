package dev.quiver.inference.monitoring;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How far a classifier's predicted classes moved between two windows: the population stability index,
 * {@code sum over classes of (current - previous) * ln(current / previous)} over the shares of each class, with a class
 * missing from one window counted at a share of {@value #EMPTY_SHARE} (so that a class appearing or vanishing
 * weighs, instead of dividing by zero). By the usual reading, below 0.1 nothing moved, above 0.25 a lot did.
 */
final class PredictionShift {

    static final double EMPTY_SHARE = 1e-4;

    private PredictionShift() {
    }

    static double psi(Map<Integer, Long> previous, Map<Integer, Long> current) {
        double previousTotal = previous.values().stream().mapToLong(Long::longValue).sum();
        double currentTotal = current.values().stream().mapToLong(Long::longValue).sum();
        Set<Integer> classes = new HashSet<>(previous.keySet());
        classes.addAll(current.keySet());
        double index = 0;
        for (Integer predicted : classes) {
            double before = Math.max(EMPTY_SHARE, previous.getOrDefault(predicted, 0L) / previousTotal);
            double now = Math.max(EMPTY_SHARE, current.getOrDefault(predicted, 0L) / currentTotal);
            index += (now - before) * Math.log(now / before);
        }
        return index;
    }
}
