package dev.quiver.inference.tensor;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Writes tensor elements as JSON numbers (booleans for BOOL), flat or nested to the shape. */
public final class JsonTensorWriter {

    private JsonTensorWriter() {
    }

    /** Writes every element as one flat array, the form the Open Inference Protocol v2 uses in responses. */
    public static void writeFlat(JsonGenerator generator, Tensor tensor) throws IOException {
        ByteBuffer data = tensor.data();
        long count = tensor.elementCount();
        generator.writeStartArray();
        for (int i = 0; i < count; i++) {
            writeElement(generator, tensor.datatype(), data, i);
        }
        generator.writeEndArray();
    }

    /**
     * Writes item {@code row} of the first dimension nested to the remaining dimensions, the form KServe V1
     * {@code predictions} use. A tensor of rank 1 yields a scalar per row.
     */
    public static void writeRow(JsonGenerator generator, Tensor tensor, int row) throws IOException {
        long[] shape = tensor.shape();
        long rowElements = 1;
        for (int d = 1; d < shape.length; d++) {
            rowElements *= shape[d];
        }
        writeNested(generator, tensor, 1, (int) (row * rowElements));
    }

    private static int writeNested(JsonGenerator generator, Tensor tensor, int depth, int index) throws IOException {
        long[] shape = tensor.shape();
        if (depth >= shape.length) {
            writeElement(generator, tensor.datatype(), tensor.data(), index);
            return index + 1;
        }
        generator.writeStartArray();
        int next = index;
        for (long i = 0; i < shape[depth]; i++) {
            next = writeNested(generator, tensor, depth + 1, next);
        }
        generator.writeEndArray();
        return next;
    }

    private static void writeElement(JsonGenerator generator, Datatype datatype, ByteBuffer data, int index)
            throws IOException {
        switch (datatype) {
            case FP32 -> generator.writeNumber(data.getFloat(index * 4));
            case FP64 -> generator.writeNumber(data.getDouble(index * 8));
            case INT64 -> generator.writeNumber(data.getLong(index * 8));
            case INT32 -> generator.writeNumber(data.getInt(index * 4));
            case INT16 -> generator.writeNumber(data.getShort(index * 2));
            case INT8 -> generator.writeNumber(data.get(index));
            case UINT8 -> generator.writeNumber(Byte.toUnsignedInt(data.get(index)));
            case BOOL -> generator.writeBoolean(data.get(index) != 0);
        }
    }
}
