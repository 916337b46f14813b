package dev.quiver.inference.modelconfig;

/**
 * A model's {@code drift} block as written; an absent field ({@code null}) takes its default
 * ({@link ModelConfigDefaults}).
 *
 * <pre>
 * drift: {psi: 0.25, ks_p: 0.01, window: 1000, sample_rate: 0.1}
 * </pre>
 *
 * @param psi        the population stability index of a feature above which its input has drifted
 * @param ksP        the Kolmogorov-Smirnov p-value (corrected for the input's features) below which it has drifted
 * @param window     served items compared with the baseline at once
 * @param sampleRate the share of served requests whose inputs are sampled, from above 0 to 1
 */
public record DriftSpec(Double psi, Double ksP, Integer window, Double sampleRate) {
}
