package dev.quiver.inference.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What a version's {@code validation/validation.json} asks of it before it serves (README.md, "Validity gate"). Every
 * field is optional.
 *
 * @param maxLatencyMs the longest median run at batch size 1 and at the maximum batch size
 * @param maxMemoryMb  the most resident memory the version's ONNX Runtime session may add to the process
 * @param outputs      per output (the name callers use), the values its answers must keep to, checked on the golden
 *                     inputs before the version serves and on every answer while it serves
 * @param golden       inputs with the outputs they must give
 */
public record ValidationSpec(@JsonProperty("max_latency_ms") LatencyLimit maxLatencyMs,
                             @JsonProperty("max_memory_mb") Double maxMemoryMb,
                             Map<String, OutputRange> outputs,
                             List<GoldenCase> golden) {

    public static final String FILE = "validation/validation.json";

    public ValidationSpec {
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
        golden = golden == null ? List.of() : List.copyOf(golden);
    }

    public static ValidationSpec none() {
        return new ValidationSpec(null, null, Map.of(), List.of());
    }

    /** {@code max_latency_ms}: one number for both batch sizes, or {@code {batch_1, max_batch}}. */
    public record LatencyLimit(@JsonProperty("batch_1") Double batch1, @JsonProperty("max_batch") Double maxBatch) {
    }

    /**
     * The values one output keeps to.
     *
     * @param finite      no NaN or infinite value (true unless set false)
     * @param sumsTo      each item's values add up to this (a probability distribution: 1)
     * @param sumTolerance how far a sum may be from {@code sumsTo} (default 1e-3)
     * @param notConstant the golden inputs do not all give the same answer (a model that ignores its input)
     */
    public record OutputRange(Double min, Double max, Boolean finite, @JsonProperty("sums_to") Double sumsTo,
                              @JsonProperty("sum_tolerance") Double sumTolerance,
                              @JsonProperty("not_constant") Boolean notConstant) {

        public boolean requiresFinite() {
            return !Boolean.FALSE.equals(finite);
        }

        public double sumToleranceOrDefault() {
            return sumTolerance == null ? 1e-3 : sumTolerance;
        }
    }

    /** A golden input (one tensor per model input, by the names callers use) and the outputs it must give. */
    public record GoldenCase(Map<String, GoldenTensor> inputs, Map<String, ExpectedOutput> outputs) {

        public GoldenCase {
            inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
            outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
        }
    }

    /** A tensor written out: its shape and its elements, flat and row-major; the datatype is the model's. */
    public record GoldenTensor(long[] shape, double[] data) {
    }

    /** An expected output: every element within {@code tolerance} (absolute, default 1e-4) of {@code data}. */
    public record ExpectedOutput(double[] data, Double tolerance) {

        public double toleranceOrDefault() {
            return tolerance == null ? 1e-4 : tolerance;
        }
    }
}
