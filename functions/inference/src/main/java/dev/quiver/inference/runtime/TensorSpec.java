package dev.quiver.inference.runtime;

import dev.quiver.inference.tensor.Datatype;
import java.util.Arrays;

/**
 * One input or output of a model as callers see it: its public name (after any rename in the model's configuration),
 * the ONNX graph's name for it, its element type and its shape, with -1 for a dynamic dimension.
 */
public record TensorSpec(String name, String onnxName, Datatype datatype, long[] shape) {

    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Whether {@code actual} has this spec's rank and agrees with every fixed dimension. */
    public boolean accepts(long[] actual) {
        if (actual.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0 && shape[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    public boolean hasDynamicFirstDimension() {
        return shape.length > 0 && shape[0] < 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorSpec that && name.equals(that.name) && onnxName.equals(that.onnxName)
                && datatype == that.datatype && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + datatype.hashCode()) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + datatype + Arrays.toString(shape);
    }
}
