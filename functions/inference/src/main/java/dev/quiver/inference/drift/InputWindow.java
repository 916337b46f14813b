package dev.quiver.inference.drift;

import dev.quiver.baseline.FeatureBaseline;
import dev.quiver.baseline.InputBaseline;
import dev.quiver.inference.modelconfig.DriftSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One input's served items in the current window, counted per feature in the baseline's bins: memory is the bins,
 * whatever the window's size. Used by the drift thread alone.
 */
final class InputWindow {

    /** Features named in a finding: enough to say where to look. */
    static final int WORST_FEATURES = 3;

    private final String input;
    private final InputBaseline baseline;
    private final long[][] counts;
    private long items;

    InputWindow(String input, InputBaseline baseline) {
        this.input = input;
        this.baseline = baseline;
        this.counts = new long[baseline.features().size()][];
        for (int f = 0; f < counts.length; f++) {
            counts[f] = new long[baseline.features().get(f).bins()];
        }
    }

    /** Counts one item, given as its feature values in feature order. */
    void add(float[] features) {
        for (int f = 0; f < counts.length; f++) {
            counts[f][baseline.features().get(f).bin(features[f])]++;
        }
        items++;
    }

    long items() {
        return items;
    }

    /** Compares the window with the baseline, and starts a new window. */
    InputDrift close(DriftSettings settings) {
        List<InputDrift.FeatureDrift> features = new ArrayList<>(counts.length);
        double psiSum = 0;
        double psiMax = 0;
        double ksMin = 1;
        long training = baseline.sampleRows();
        for (int f = 0; f < counts.length; f++) {
            FeatureBaseline feature = baseline.features().get(f);
            double psi = DriftStatistics.psi(feature.counts(), training, counts[f], items);
            double ksP = DriftStatistics.ksP(DriftStatistics.ksStatistic(feature.counts(), training, counts[f], items),
                    items, training);
            features.add(new InputDrift.FeatureDrift(feature.label(), psi, ksP));
            psiSum += psi;
            psiMax = Math.max(psiMax, psi);
            ksMin = Math.min(ksMin, ksP);
            Arrays.fill(counts[f], 0);
        }
        double ksP = Math.min(1, ksMin * counts.length);
        List<InputDrift.FeatureDrift> worst = features.stream()
                .sorted(Comparator.comparingDouble(InputDrift.FeatureDrift::psi).reversed()
                        .thenComparingDouble(InputDrift.FeatureDrift::ksP))
                .limit(WORST_FEATURES).toList();
        boolean drifted = psiMax > settings.psi() || ksP < settings.ksP();
        InputDrift drift = new InputDrift(input, items, psiMax, psiSum / counts.length, ksP, drifted, worst);
        items = 0;
        return drift;
    }
}
