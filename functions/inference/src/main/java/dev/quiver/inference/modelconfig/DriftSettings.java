package dev.quiver.inference.modelconfig;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The drift thresholds and sampling of a model, after defaults ({@link DriftSpec} says what each means).
 */
public record DriftSettings(double psi, @JsonProperty("ks_p") double ksP, int window,
                            @JsonProperty("sample_rate") double sampleRate) {
}
