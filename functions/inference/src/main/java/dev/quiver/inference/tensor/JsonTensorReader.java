package dev.quiver.inference.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import dev.quiver.inference.InferenceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads the elements of a tensor from a JSON array straight into a little-endian buffer, without boxing.
 *
 * <p>The array is either flat or nested to the tensor's shape (row-major either way). Each value is checked against
 * the datatype: integers must be whole and in range, booleans must be JSON booleans. Error messages carry the JSON
 * path of the offending element.
 */
public final class JsonTensorReader {

    /** Elements allocated before any is read; the buffer doubles from there as they arrive. */
    static final long FIRST_ALLOCATION = 1 << 16;

    private JsonTensorReader() {
    }

    /**
     * Reads a {@code data} array whose shape is known. The parser must be on the array's START_ARRAY; it is left on the
     * matching END_ARRAY. Memory follows the elements actually read, never the shape alone: the buffer starts small
     * and doubles as elements arrive, up to what the shape declares, so a shape that promises more than the request
     * holds costs no more than what it holds.
     */
    public static ByteBuffer readShaped(JsonParser parser, Datatype datatype, long[] shape, String path)
            throws IOException {
        requireArray(parser, path);
        long expected = Tensor.elementCount(shape);
        GrowableBuffer buffer = new GrowableBuffer(datatype, Math.min(expected, FIRST_ALLOCATION), expected, path);
        int rank = Math.max(shape.length, 1);
        long[] children = new long[rank + 2];
        int depth = 1;
        long written = 0;
        Boolean nested = null;
        while (depth > 0) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw InferenceException.invalidInput(path + ": the array is not closed");
            }
            switch (token) {
                case START_ARRAY -> {
                    if (nested == Boolean.FALSE || depth >= rank) {
                        throw InferenceException.invalidInput(path + ": nested deeper than shape "
                                + Arrays.toString(shape) + " allows; give the values flat or nested to the shape");
                    }
                    nested = Boolean.TRUE;
                    children[depth]++;
                    depth++;
                    children[depth] = 0;
                }
                case END_ARRAY -> {
                    if (nested == Boolean.TRUE && depth > 1 && children[depth] != shape[depth - 1]) {
                        throw InferenceException.invalidInput(path + ": an array at depth " + depth + " has "
                                + children[depth] + " elements, shape " + Arrays.toString(shape) + " needs "
                                + shape[depth - 1]);
                    }
                    depth--;
                }
                default -> {
                    if (nested == null) {
                        nested = rank > 1 ? Boolean.FALSE : Boolean.TRUE;
                    }
                    if (nested == Boolean.TRUE && depth != rank) {
                        throw InferenceException.invalidInput(path + ": a value at depth " + depth
                                + " where shape " + Arrays.toString(shape) + " nests values " + rank + " deep");
                    }
                    if (written == expected) {
                        throw InferenceException.invalidInput(path + ": more than the " + expected
                                + " elements that shape " + Arrays.toString(shape) + " holds");
                    }
                    putValue(parser, token, datatype, buffer.reserveOne(), path, written);
                    children[depth]++;
                    written++;
                }
            }
        }
        if (nested == Boolean.TRUE && shape.length > 0 && children[1] != shape[0]) {
            throw InferenceException.invalidInput(path + ": " + children[1] + " rows where shape "
                    + Arrays.toString(shape) + " needs " + shape[0]);
        }
        if (written != expected) {
            throw InferenceException.invalidInput(path + ": expected " + expected + " elements for shape "
                    + Arrays.toString(shape) + ", got " + written);
        }
        return buffer.finish();
    }

    /** The most elements {@code bytes} of JSON can hold: a digit each, and a comma between two. */
    private static long elementsIn(long bytes) {
        return Math.max(0, (bytes + 1) / 2);
    }

    /**
     * Reads an array of rows whose shape is implied by its nesting (KServe V1 {@code instances}). Every row must have
     * the nesting of the first; the shape returned is {@code [rows, ...dims of a row]}.
     *
     * @param bytes the bytes of JSON from the array on, which bound the elements it may hold
     */
    public static Tensor readRows(JsonParser parser, String name, Datatype datatype, String path, long bytes)
            throws IOException {
        requireArray(parser, path);
        Rows rows = new Rows(name, datatype, path, bytes);
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() == null) {
                throw InferenceException.invalidInput(path + ": the array is not closed");
            }
            rows.add(parser);
        }
        return rows.finish();
    }

    /**
     * The rows of one tensor as they arrive, one at a time, the first fixing the shape of every other: for
     * instances whose inputs come interleaved, each row being one instance's value for this tensor.
     */
    public static final class Rows {
        private final String name;
        private final Datatype datatype;
        private final String path;
        private final ShapeTracker tracker;
        private final GrowableBuffer buffer;

        /** @param bytes the bytes of JSON the rows come from, which bound the elements they may hold */
        public Rows(String name, Datatype datatype, String path, long bytes) {
            this.name = name;
            this.datatype = datatype;
            this.path = path;
            this.tracker = new ShapeTracker(path);
            this.buffer = new GrowableBuffer(datatype, 256, elementsIn(bytes), path);
        }

        /** Reads one row: the parser is on its first token (a value or an array) and is left on its last. */
        public void add(JsonParser parser) throws IOException {
            int depth = 1;
            do {
                JsonToken token = parser.currentToken();
                if (token == null) {
                    throw InferenceException.invalidInput(path + ": the array is not closed");
                }
                switch (token) {
                    case START_ARRAY -> {
                        tracker.open(depth);
                        depth++;
                    }
                    case END_ARRAY -> {
                        tracker.close(depth);
                        depth--;
                    }
                    case START_OBJECT -> throw InferenceException.invalidInput(path + ": expected numbers or arrays, "
                            + "got an object");
                    default -> {
                        tracker.value(depth);
                        putValue(parser, token, datatype, buffer.reserveOne(), path, buffer.count() - 1);
                    }
                }
            } while (depth > 1 && parser.nextToken() != null);
            if (depth > 1) {
                throw InferenceException.invalidInput(path + ": the array is not closed");
            }
        }

        public Tensor finish() {
            tracker.close(1);
            return new Tensor(name, datatype, tracker.shape(), buffer.finish());
        }
    }

    private static void requireArray(JsonParser parser, String path) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalidInput(path + ": expected an array, got " + describe(parser));
        }
    }

    static void putValue(JsonParser parser, JsonToken token, Datatype datatype, ByteBuffer buffer, String path,
                         long index) throws IOException {
        switch (datatype) {
            case FP32 -> {
                float value = requireNumber(parser, token, datatype, path, index).getFloatValue();
                if (Float.isInfinite(value)) {
                    throw outOfRange(parser, datatype, path, index, Float.toString(Float.MAX_VALUE));
                }
                buffer.putFloat(value);
            }
            case FP64 -> {
                double value = requireNumber(parser, token, datatype, path, index).getDoubleValue();
                if (Double.isInfinite(value)) {
                    throw outOfRange(parser, datatype, path, index, Double.toString(Double.MAX_VALUE));
                }
                buffer.putDouble(value);
            }
            case BOOL -> {
                if (token == JsonToken.VALUE_TRUE) {
                    buffer.put((byte) 1);
                } else if (token == JsonToken.VALUE_FALSE) {
                    buffer.put((byte) 0);
                } else {
                    throw InferenceException.invalidInput(path + "[" + index + "]: expected true or false for BOOL, "
                            + "got " + describe(parser));
                }
            }
            default -> {
                long value = wholeNumber(parser, token, datatype, path, index);
                switch (datatype.byteSize()) {
                    case 1 -> buffer.put((byte) value);
                    case 2 -> buffer.putShort((short) value);
                    case 4 -> buffer.putInt((int) value);
                    default -> buffer.putLong(value);
                }
            }
        }
    }

    private static InferenceException outOfRange(JsonParser parser, Datatype datatype, String path, long index,
                                                 String largest) throws IOException {
        String text = parser.getText();
        return InferenceException.invalidInput(path + "[" + index + "]: " + (text.length() > 40
                ? text.substring(0, 40) + "..." : text) + " is out of range for " + datatype + " (largest magnitude "
                + largest + ")");
    }

    private static JsonParser requireNumber(JsonParser parser, JsonToken token, Datatype datatype, String path,
                                            long index) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
            throw InferenceException.invalidInput(path + "[" + index + "]: expected a number for " + datatype
                    + ", got " + describe(parser));
        }
        return parser;
    }

    private static long wholeNumber(JsonParser parser, JsonToken token, Datatype datatype, String path, long index)
            throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw InferenceException.invalidInput(path + "[" + index + "]: expected an integer for " + datatype
                    + ", got " + describe(parser));
        }
        long value;
        try {
            value = parser.getLongValue();
        } catch (InputCoercionException e) {
            throw InferenceException.invalidInput(path + "[" + index + "]: " + parser.getText()
                    + " is out of range for " + datatype);
        }
        if (!datatype.holds(value)) {
            throw InferenceException.invalidInput(path + "[" + index + "]: " + value + " is out of range for "
                    + datatype);
        }
        return value;
    }

    static String describe(JsonParser parser) {
        JsonToken token = parser.currentToken();
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> {
                try {
                    String text = parser.getText();
                    yield "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
                } catch (IOException e) {
                    yield "a string";
                }
            }
            case VALUE_NULL -> "null";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            default -> token.asString() == null ? token.name() : token.asString();
        };
    }

    /** Records the extent of each nesting level from the first row and requires every other row to match it. */
    private static final class ShapeTracker {
        private final String path;
        private long[] dims = new long[4];
        private long[] counts = new long[4];
        private int leafDepth = -1;
        private int maxDepthSeen = 1;
        private boolean[] known = new boolean[4];

        ShapeTracker(String path) {
            this.path = path;
        }

        void open(int depth) {
            if (leafDepth != -1 && depth >= leafDepth) {
                throw ragged("an array where the first row has a value");
            }
            counts[depth]++;
            int child = depth + 1;
            ensure(child);
            counts[child] = 0;
            maxDepthSeen = Math.max(maxDepthSeen, child);
        }

        void close(int depth) {
            if (known[depth]) {
                if (counts[depth] != dims[depth]) {
                    throw ragged(counts[depth] + " values where the first row has " + dims[depth]);
                }
            } else {
                dims[depth] = counts[depth];
                known[depth] = true;
            }
        }

        void value(int depth) {
            if (leafDepth == -1) {
                leafDepth = depth;
            } else if (depth != leafDepth) {
                throw ragged("a value at nesting depth " + depth + " where the first row has them at " + leafDepth);
            }
            counts[depth]++;
        }

        long[] shape() {
            int rank = leafDepth == -1 ? maxDepthSeen : leafDepth;
            long[] shape = new long[rank];
            for (int depth = 1; depth <= rank; depth++) {
                shape[depth - 1] = known[depth] ? dims[depth] : 0;
            }
            return shape;
        }

        private void ensure(int depth) {
            if (depth >= dims.length) {
                dims = Arrays.copyOf(dims, depth * 2);
                counts = Arrays.copyOf(counts, depth * 2);
                known = Arrays.copyOf(known, depth * 2);
            }
        }

        private InferenceException ragged(String detail) {
            return InferenceException.invalidInput(path + ": rows must all have the same shape; found " + detail);
        }
    }

    /** A little-endian buffer that grows by doubling, as elements arrive, up to a bound. */
    static final class GrowableBuffer {
        private final Datatype datatype;
        private final long maxElements;
        private final String path;
        private ByteBuffer buffer;
        private long count;

        GrowableBuffer(Datatype datatype, long initialElements, long maxElements, String path) {
            this.datatype = datatype;
            this.maxElements = maxElements;
            this.path = path;
            this.buffer = Tensor.allocate(datatype, Math.min(initialElements, maxElements));
        }

        ByteBuffer reserveOne() {
            if (count == maxElements) {
                throw InferenceException.invalidInput(path + ": more elements than the request can hold");
            }
            if (buffer.remaining() < datatype.byteSize()) {
                long grown = Math.min(Math.max(buffer.capacity() / datatype.byteSize() * 2L, 256), maxElements);
                ByteBuffer bigger = Tensor.allocate(datatype, grown);
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
            count++;
            return buffer;
        }

        long count() {
            return count;
        }

        ByteBuffer finish() {
            buffer.flip();
            return buffer;
        }
    }
}
