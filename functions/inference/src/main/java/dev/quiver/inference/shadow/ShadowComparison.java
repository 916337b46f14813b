package dev.quiver.inference.shadow;

import dev.quiver.inference.modelconfig.Routing;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import dev.quiver.inference.validation.OutputChecks;
import java.util.Arrays;

/**
 * How one shadow answer compares with the serving answer, on the first output: for a classifier, how many rows have
 * the same argmax (or the same label, for an integer output of one value per row); for a regressor, the absolute
 * errors of its values.
 *
 * @param compare        what was compared (argmax or values), decided from the serving output for {@code AUTO}
 * @param rows           rows compared (argmax)
 * @param agreed         rows whose argmax or label agreed (argmax)
 * @param values         values compared (values)
 * @param sumAbsolute    the sum of absolute errors (values)
 * @param sumSquared     the sum of squared errors (values)
 * @param maxAbsolute    the largest absolute error (values)
 * @param mismatch       why the answers could not be compared (different shapes), null when they were
 */
public record ShadowComparison(Routing.Compare compare, long rows, long agreed, long values, double sumAbsolute,
                               double sumSquared, double maxAbsolute, String mismatch) {

    public static ShadowComparison of(Routing.Compare configured, Tensor serving, Tensor candidate) {
        Routing.Compare compare = configured == Routing.Compare.AUTO ? decide(serving) : configured;
        if (!Arrays.equals(serving.shape(), candidate.shape())) {
            return new ShadowComparison(compare, 0, 0, 0, 0, 0, 0, "output " + serving.name() + " has shape "
                    + Arrays.toString(serving.shape()) + " serving and " + Arrays.toString(candidate.shape())
                    + " in the candidate");
        }
        int elements = Math.toIntExact(serving.elementCount());
        if (compare == Routing.Compare.ARGMAX) {
            long rows = serving.shape().length == 0 ? 1 : Math.max(1, serving.shape()[0]);
            int width = rows == 0 ? 0 : (int) (elements / rows);
            long agreed = 0;
            for (int row = 0; row < rows; row++) {
                if (width == 1 ? OutputChecks.element(serving, row) == OutputChecks.element(candidate, row)
                        : argmax(serving, row, width) == argmax(candidate, row, width)) {
                    agreed++;
                }
            }
            return new ShadowComparison(compare, rows, agreed, 0, 0, 0, 0, null);
        }
        double sumAbsolute = 0;
        double sumSquared = 0;
        double max = 0;
        for (int i = 0; i < elements; i++) {
            double error = Math.abs(OutputChecks.element(serving, i) - OutputChecks.element(candidate, i));
            sumAbsolute += error;
            sumSquared += error * error;
            max = Math.max(max, error);
        }
        return new ShadowComparison(compare, 0, 0, elements, sumAbsolute, sumSquared, max, null);
    }

    /** Rows of several values (class scores) or integer labels are a classifier's; anything else a regressor's. */
    static Routing.Compare decide(Tensor serving) {
        boolean integer = switch (serving.datatype()) {
            case FP32, FP64 -> false;
            default -> serving.datatype() != Datatype.BOOL;
        };
        long[] shape = serving.shape();
        boolean scores = shape.length >= 2 && shape[shape.length - 1] > 1;
        return integer || scores ? Routing.Compare.ARGMAX : Routing.Compare.VALUES;
    }

    private static int argmax(Tensor tensor, int row, int width) {
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < width; i++) {
            double value = OutputChecks.element(tensor, row * width + i);
            if (value > bestValue) {
                bestValue = value;
                best = i;
            }
        }
        return best;
    }
}
