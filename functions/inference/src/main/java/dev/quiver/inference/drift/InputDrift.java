package dev.quiver.inference.drift;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One input's drift over a window of served items.
 *
 * @param psiMax        the largest population stability index of its features: the figure compared with the
 *                      threshold, so that one feature gone astray is caught even among many that hold
 * @param psiMean       the mean over its features
 * @param ksP           the smallest Kolmogorov-Smirnov p-value of its features, multiplied by their number
 *                      (Bonferroni), so that many features tested at once do not raise false alarms
 * @param drifted       whether {@code psiMax} is above the PSI threshold or {@code ksP} below the p-value threshold
 * @param worstFeatures the features with the largest PSI, worst first
 */
public record InputDrift(String input, long items, @JsonProperty("psi_max") double psiMax,
                         @JsonProperty("psi_mean") double psiMean, @JsonProperty("ks_p") double ksP, boolean drifted,
                         @JsonProperty("worst_features") List<FeatureDrift> worstFeatures) {

    public InputDrift {
        worstFeatures = List.copyOf(worstFeatures);
    }

    /** One feature: its element, or range of pooled elements, and its figures. */
    public record FeatureDrift(String feature, double psi, @JsonProperty("ks_p") double ksP) {
    }
}
