package dev.quiver.inference.validation;

import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks every answer of a version passes before it goes out: no NaN or infinite value in a floating-point output
 * (unless its range allows them), and the ranges its {@code validation.json} declares (min, max, each item's sum).
 * One pass over each output's elements, no allocation when the answer passes.
 */
public final class OutputChecks {

    private final List<Check> checks;

    private OutputChecks(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /** @param outputs the version's outputs; {@code ranges} keyed by the names callers use */
    public static OutputChecks of(List<TensorSpec> outputs, Map<String, ValidationSpec.OutputRange> ranges) {
        List<Check> checks = new ArrayList<>();
        for (TensorSpec spec : outputs) {
            ValidationSpec.OutputRange range = ranges.get(spec.name());
            boolean floating = spec.datatype() == Datatype.FP32 || spec.datatype() == Datatype.FP64;
            boolean finite = floating && (range == null || range.requiresFinite());
            if (finite || range != null) {
                checks.add(new Check(spec.name(), spec.onnxName(), finite, range));
            }
        }
        return new OutputChecks(checks);
    }

    /**
     * @param outputs the outputs of one answer, keyed by ONNX name; those not asked for are not there
     * @return what the answer breaks, or null when it passes
     */
    public String violation(Map<String, Tensor> outputs) {
        for (Check check : checks) {
            Tensor tensor = outputs.get(check.onnxName);
            if (tensor != null) {
                String violation = check.violation(tensor);
                if (violation != null) {
                    return violation;
                }
            }
        }
        return null;
    }

    public boolean isEmpty() {
        return checks.isEmpty();
    }

    /** Element {@code index} of a tensor of any numeric type, as a double. */
    public static double element(Tensor tensor, int index) {
        ByteBuffer data = tensor.data();
        return switch (tensor.datatype()) {
            case FP32 -> data.getFloat(index * 4);
            case FP64 -> data.getDouble(index * 8);
            case INT64 -> data.getLong(index * 8);
            case INT32 -> data.getInt(index * 4);
            case INT16 -> data.getShort(index * 2);
            case INT8, BOOL -> data.get(index);
            case UINT8 -> data.get(index) & 0xff;
        };
    }

    private record Check(String name, String onnxName, boolean finite, ValidationSpec.OutputRange range) {

        String violation(Tensor tensor) {
            int count = Math.toIntExact(tensor.elementCount());
            Double min = range == null ? null : range.min();
            Double max = range == null ? null : range.max();
            for (int i = 0; i < count; i++) {
                double value = element(tensor, i);
                if (finite && !Double.isFinite(value)) {
                    return "output " + name + " holds " + value + " at element " + i;
                }
                if (min != null && value < min) {
                    return "output " + name + " holds " + value + " at element " + i + ", below its min " + min;
                }
                if (max != null && value > max) {
                    return "output " + name + " holds " + value + " at element " + i + ", above its max " + max;
                }
            }
            if (range != null && range.sumsTo() != null && count > 0) {
                long items = tensor.shape().length == 0 ? 1 : Math.max(1, tensor.shape()[0]);
                int perItem = (int) (count / items);
                for (int item = 0; item < items; item++) {
                    double sum = 0;
                    for (int i = item * perItem; i < (item + 1) * perItem; i++) {
                        sum += element(tensor, i);
                    }
                    if (Math.abs(sum - range.sumsTo()) > range.sumToleranceOrDefault()) {
                        return "output " + name + " of item " + item + " sums to " + sum + ", not "
                                + range.sumsTo();
                    }
                }
            }
            return null;
        }
    }
}
