package dev.quiver.baseline;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The statistics of one input: its elements per item, and the features they are summarised as.
 *
 * <p>An input of up to {@link BaselineBuilder#MAX_FEATURES} elements per item (the 64 pixels of a digit, a row of
 * tabular features) has one feature per element. A larger one (an image) is summarised as that many groups of
 * consecutive elements, each feature being the mean of its group's elements in an item: average pooling, which keeps
 * the coarse picture (brightness by region) and bounds the cost of comparing it at any input size.
 *
 * @param elements   elements per item (the input's shape without its first dimension, multiplied out)
 * @param sampleRows the rows the bins were counted on (all training rows, or a uniform sample of them)
 * @param features   in element order
 */
public record InputBaseline(long elements, @JsonProperty("sample_rows") long sampleRows,
                            List<FeatureBaseline> features) {

    public InputBaseline {
        if (elements < 1) {
            throw new IllegalArgumentException("elements: expected at least 1, got " + elements);
        }
        if (sampleRows < 1) {
            throw new IllegalArgumentException("sample_rows: expected at least 1, got " + sampleRows);
        }
        if (features == null || features.isEmpty()) {
            throw new IllegalArgumentException("features: required, at least one");
        }
        features = List.copyOf(features);
        long next = 0;
        for (int i = 0; i < features.size(); i++) {
            FeatureBaseline feature = features.get(i);
            if (feature.from() != next || feature.to() > elements) {
                throw new IllegalArgumentException("features[" + i + "]: elements " + feature.from() + " to "
                        + feature.to() + " do not follow on from the previous feature (expected from " + next
                        + ", to at most " + elements + ")");
            }
            next = feature.to();
        }
        if (next != elements) {
            throw new IllegalArgumentException("features: cover elements 0 to " + next + ", expected all " + elements);
        }
    }
}
