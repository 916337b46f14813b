package dev.quiver.inference.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named tensor: element type, shape and its elements row-major in a little-endian buffer (the byte layout of the
 * Open Inference Protocol's binary extension and of ONNX Runtime on the platforms it ships for).
 *
 * <p>The buffer is positioned at 0 and holds exactly {@code elementCount * datatype.byteSize()} bytes. Tensors are
 * handed from one stage to the next and never written after construction.
 */
public record Tensor(String name, Datatype datatype, long[] shape, ByteBuffer data) {

    public Tensor {
        long expected = datatype.byteCount(elementCount(shape));
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape) + " and type "
                    + datatype + " needs " + expected + " bytes, got " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** The size of the first dimension: the number of items in a batch (1 for a scalar). */
    public long batchSize() {
        return shape.length == 0 ? 1 : shape[0];
    }

    public Tensor renamed(String newName) {
        return new Tensor(newName, datatype, shape, data);
    }

    /** The elements of {@code shape}; ArithmeticException when that is more than a long holds. */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /** A buffer for {@code elements} elements; ArithmeticException when that is more bytes than a buffer holds. */
    public static ByteBuffer allocate(Datatype datatype, long elements) {
        return ByteBuffer.allocate(Math.toIntExact(datatype.byteCount(elements))).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tensor that && name.equals(that.name) && datatype == that.datatype
                && Arrays.equals(shape, that.shape) && data.equals(that.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + datatype.hashCode()) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + ", " + datatype + ", " + Arrays.toString(shape) + "]";
    }
}
