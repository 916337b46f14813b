package dev.quiver.inference.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.NumberInput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes a JSON array of FP32 or FP64 numbers (flat, or nested to the tensor's shape) from the request's bytes
 * straight into the tensor's buffer: one pass over the bytes, no token objects, no text copied per number, no boxing.
 * This is the cost of a JSON image: a 284 KB request is 27,648 decimal numbers. A run of numbers separated by commas
 * (and spaces) is decoded in one tight loop, each stored with one little-endian write. Memory follows the numbers
 * read, as the token parser's does: the array starts at {@link JsonTensorReader#FIRST_ALLOCATION} elements at most
 * and doubles as they arrive, up to the shape's count, and a shape of more numbers than the text could hold is left to
 * the token parser before anything is allocated.
 *
 * <p>The digits of the common number (a short integer part, a fraction, no exponent) are read eight at a time from one
 * long (SWAR), a fraction's first sixteen from two longs at once; any other number is read digit by digit. A number
 * whose significant digits make an integer of at most 2^53 and whose power of ten is within 22 becomes the one
 * correctly rounded double that a multiplication or division of two exact doubles gives (Clinger's fast path); for
 * FP32 that double is narrowed unless it lies exactly halfway between two floats, where narrowing could round twice.
 * Every other number is parsed from its text by Jackson's fast parser, as the token parser would, so every number
 * decodes to the same bits either way.
 *
 * <p>Anything that is not a well-formed array of numbers that fits the shape (a string, a null, a misplaced comma, a
 * wrong nesting, too many or too few elements, a value out of range, a number Jackson's settings or limits may treat
 * differently) makes {@link #decode} return null: the caller then reads the array with the token parser, which gives
 * the error every request gets for that input. The decoder only ever accepts what that parser accepts.
 */
public final class DecimalArrayDecoder {

    /** Exact powers of ten as doubles: 10^22 is the largest a double holds exactly. */
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22};
    private static final long[] POWERS_OF_TEN_LONG = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
        100_000_000};
    /** Digits are read eight at a time where eight bytes are left to read (SWAR: one long, no loop per digit). */
    private static final VarHandle EIGHT_BYTES = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** Significant digits kept in the mantissa at most; further ones make the number one for the exact parser. */
    private static final int MAX_DIGITS = 18;
    /** Longer numbers are left to the token parser, which applies its configured length limit. */
    private static final int MAX_NUMBER_LENGTH = 64;
    private static final long MAX_EXACT_MANTISSA = 1L << 53;
    /** The bits of a double below a float's precision, and their value at a midpoint between two floats. */
    private static final long BELOW_FLOAT = (1L << 29) - 1;
    private static final long FLOAT_MIDPOINT = 1L << 28;

    private final byte[] json;
    private final int end;
    private int position;
    private int lines;
    private int lineStart = -1;
    /** The decimal exponent of the number just scanned, or MIN_VALUE when it is not one for the fast path. */
    private int exponent;
    /** Whether the number just scanned has neither fraction nor exponent: "-0" is then the integer 0. */
    private boolean integer;
    /** The elements decoded so far, little-endian, in an array doubled as they arrive up to {@link #expectedBytes}. */
    private byte[] out;
    private int expectedBytes;

    private DecimalArrayDecoder(byte[] json, int end) {
        this.json = json;
        this.end = end;
    }

    /**
     * Reads a {@code data} array as {@link JsonTensorReader#readShaped} does, with the same result and the same errors,
     * decoding it straight from the bytes when the parser is an {@link InMemoryJsonParser}. The parser is left on the
     * array's END_ARRAY either way.
     */
    public static ByteBuffer readShaped(JsonParser parser, Datatype datatype, long[] shape, String path)
            throws IOException {
        if (parser instanceof InMemoryJsonParser bytes && decodes(datatype)) {
            int open = bytes.arrayStart();
            DecodedArray decoded = open < 0 ? null
                    : decode(bytes.input(), open, bytes.inputEnd(), datatype, shape);
            if (decoded != null) {
                bytes.continueAt(decoded);
                bytes.nextToken();
                return decoded.data();
            }
        }
        return JsonTensorReader.readShaped(parser, datatype, shape, path);
    }

    /** Whether {@link #decode} handles the datatype at all. */
    public static boolean decodes(Datatype datatype) {
        return datatype == Datatype.FP32 || datatype == Datatype.FP64;
    }

    /**
     * Decodes the array whose opening bracket is at {@code open}, or returns null when the token parser must read it.
     *
     * @param end the end of the JSON text: the decoder never reads at or past it
     */
    public static DecodedArray decode(byte[] json, int open, int end, Datatype datatype, long[] shape) {
        if (!decodes(datatype) || open >= end || json[open] != '[') {
            return null;
        }
        DecimalArrayDecoder decoder = new DecimalArrayDecoder(json, end);
        decoder.position = open + 1;
        ByteBuffer data = decoder.array(datatype, shape);
        if (data == null) {
            return null;
        }
        return new DecodedArray(data, decoder.position - 1, decoder.lines, decoder.lineStart);
    }

    /** The rules of {@link JsonTensorReader#readShaped}; null where it would refuse. */
    private ByteBuffer array(Datatype datatype, long[] shape) {
        long expected = Tensor.elementCount(shape);
        // n numbers take at least 2n bytes after the bracket ("1,1,...,1]"): an array whose text cannot hold them is
        // the token parser's to refuse
        if (expected > (end - position) / 2) {
            return null;
        }
        expectedBytes = Math.toIntExact(datatype.byteCount(expected));
        out = new byte[Math.toIntExact(datatype.byteCount(Math.min(expected, JsonTensorReader.FIRST_ALLOCATION)))];
        boolean fp32 = datatype == Datatype.FP32;
        int rank = Math.max(shape.length, 1);
        long[] children = new long[rank + 2];
        int depth = 1;
        int written = 0;
        int nested = 0; // 0 not known yet, 1 nested to the shape, 2 flat
        boolean separatorDue = false;
        boolean afterComma = false;
        while (depth > 0) {
            if ((position >= end || json[position] <= ' ') && !skipWhitespace()) {
                return null;
            }
            byte next = json[position];
            if (next == '[') {
                if (separatorDue || nested == 2 || depth >= rank) {
                    return null;
                }
                nested = 1;
                children[depth]++;
                depth++;
                children[depth] = 0;
                afterComma = false;
                position++;
            } else if (next == ']') {
                if (afterComma || nested == 1 && depth > 1 && children[depth] != shape[depth - 1]) {
                    return null;
                }
                depth--;
                separatorDue = true;
                position++;
            } else if (next == ',') {
                if (!separatorDue) {
                    return null;
                }
                separatorDue = false;
                afterComma = true;
                position++;
            } else {
                if (separatorDue) {
                    return null;
                }
                if (nested == 0) {
                    nested = rank > 1 ? 2 : 1;
                }
                if (nested == 1 && depth != rank) {
                    return null;
                }
                int before = written;
                written = run(written, (int) expected, fp32);
                if (written < 0) {
                    return null;
                }
                children[depth] += written - before;
                separatorDue = true;
                afterComma = false;
            }
        }
        if (nested == 1 && shape.length > 0 && children[1] != shape[0] || written != expected) {
            return null;
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Decodes numbers into {@link #out} from element {@code written} on, for as long as each is followed by a comma,
     * any spaces and another number; returns how many elements are written then, or -1 where the token parser must read
     * the array.
     */
    private int run(int written, int expected, boolean fp32) {
        int count = written;
        int shift = fp32 ? 2 : 3;
        while (true) {
            if (count == expected) {
                return -1;
            }
            if (count << shift == out.length) {
                out = Arrays.copyOf(out, (int) Math.min(2L * out.length, expectedBytes));
            }
            if (fp32) {
                float value = nextFloat();
                if (Float.isNaN(value)) {
                    return -1;
                }
                FLOATS.set(out, count << shift, value);
            } else {
                double value = nextDouble();
                if (Double.isNaN(value)) {
                    return -1;
                }
                DOUBLES.set(out, count << shift, value);
            }
            count++;
            int next = position;
            if (next >= end || json[next] != ',') {
                return count;
            }
            // spaces after a comma are how Python's json.dumps separates items by default
            do {
                next++;
            } while (next < end && json[next] == ' ');
            if (next >= end || !startsNumber(json[next])) {
                return count;
            }
            position = next;
        }
    }

    /**
     * Moves to the next byte that is not JSON whitespace, counting lines as the token parser does; false at the end.
     */
    private boolean skipWhitespace() {
        while (position < end) {
            byte b = json[position];
            if (b == ' ' || b == '\t') {
                position++;
            } else if (b == '\n' || b == '\r') {
                position++;
                if (b == '\r' && position < end && json[position] == '\n') {
                    position++;
                }
                lines++;
                lineStart = position;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The next number as a float, or NaN where the token parser must decide (malformed, out of range, unusual). */
    private float nextFloat() {
        int start = position;
        long mantissa = quickScan();
        if (mantissa < 0) {
            mantissa = scanNumber();
        }
        if (mantissa < 0) {
            return Float.NaN;
        }
        boolean negative = json[start] == '-';
        if (mantissa == 0 && exponent != Integer.MIN_VALUE) {
            return negative && !integer ? -0f : 0f;
        }
        if (exponent != Integer.MIN_VALUE) {
            double magnitude = exactlyRounded(mantissa);
            long bits = Double.doubleToRawLongBits(magnitude);
            if (magnitude >= Float.MIN_NORMAL && magnitude <= Float.MAX_VALUE
                    && (bits & BELOW_FLOAT) != FLOAT_MIDPOINT) {
                float value = (float) magnitude;
                return negative ? -value : value;
            }
        }
        float value = NumberInput.parseFloat(text(start), true);
        return Float.isInfinite(value) ? Float.NaN : value;
    }

    private double nextDouble() {
        int start = position;
        long mantissa = quickScan();
        if (mantissa < 0) {
            mantissa = scanNumber();
        }
        if (mantissa < 0) {
            return Double.NaN;
        }
        boolean negative = json[start] == '-';
        if (mantissa == 0 && exponent != Integer.MIN_VALUE) {
            return negative && !integer ? -0d : 0d;
        }
        if (exponent != Integer.MIN_VALUE) {
            double magnitude = exactlyRounded(mantissa);
            return negative ? -magnitude : magnitude;
        }
        double value = NumberInput.parseDouble(text(start), true);
        return Double.isInfinite(value) ? Double.NaN : value;
    }

    /**
     * The common number, {@code -?(0|[1-9][0-9]{0,6})(.[0-9]{1,16})?} of at most 18 digits before a separator, read
     * eight digits at a time (SWAR: one long read, no loop per digit) and kept small so the compiler inlines it; -1,
     * with nothing consumed, for any other number and where fewer than 32 bytes are left, which {@link #scanNumber}
     * then reads.
     */
    private long quickScan() {
        int i = position;
        if (end - i < 32) {
            return -1;
        }
        if (json[i] == '-') {
            i++;
        }
        long chunk = (long) EIGHT_BYTES.get(json, i);
        int count = leadingDigits(chunk);
        if (count == 0 || count == Long.BYTES || count > 1 && json[i] == '0') {
            return -1;
        }
        long mantissa = digitsValue(chunk, count);
        int digits = count;
        i += count;
        int scale = 0;
        boolean whole = json[i] != '.';
        if (!whole) {
            i++;
            // the fraction's first sixteen bytes at once: the second long's digits count only when the first is all
            // digits, chosen without a branch, so fractions of seven, eight or nine digits take the same path
            long head = (long) EIGHT_BYTES.get(json, i);
            long tail = (long) EIGHT_BYTES.get(json, i + Long.BYTES);
            int headDigits = leadingDigits(head);
            int tailDigits = leadingDigits(tail) & -(headDigits >>> 3);
            mantissa = (mantissa * POWERS_OF_TEN_LONG[headDigits] + digitsValue(head, headDigits))
                    * POWERS_OF_TEN_LONG[tailDigits] + digitsValue(tail, tailDigits);
            digits += headDigits + tailDigits;
            scale = -(headDigits + tailDigits);
            i += headDigits + tailDigits;
            if (scale == 0 || digits > MAX_DIGITS || json[i] >= '0' && json[i] <= '9') {
                return -1;
            }
        }
        if (!endsNumber(json[i]) || mantissa > MAX_EXACT_MANTISSA) {
            return -1;
        }
        position = i;
        integer = whole;
        exponent = scale;
        return mantissa;
    }

    /**
     * Scans one JSON number ({@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}) and returns its significant digits
     * as a long, setting {@link #exponent} and {@link #integer}; -1 when it is not a well-formed number, which must
     * end at whitespace, a comma or a closing bracket.
     */
    private long scanNumber() {
        int start = position;
        int i = position;
        if (i < end && json[i] == '-') {
            i++;
        }
        if (i >= end) {
            return -1;
        }
        long mantissa = 0;
        int digits = 0;
        int scale = 0;
        boolean exact = true;
        byte first = json[i];
        if (first == '0') {
            i++;
        } else if (first >= '1' && first <= '9') {
            int digit;
            while (i < end && (digit = json[i] - '0') >= 0 && digit <= 9) {
                if (digits < MAX_DIGITS) {
                    mantissa = mantissa * 10 + digit;
                    digits++;
                } else {
                    exact = false;
                }
                i++;
            }
        } else {
            return -1;
        }
        integer = true;
        if (i < end && json[i] == '.') {
            integer = false;
            i++;
            int fraction = i;
            int digit;
            while (i < end && (digit = json[i] - '0') >= 0 && digit <= 9) {
                if (mantissa == 0 && digit == 0) {
                    scale--;
                } else if (digits < MAX_DIGITS) {
                    mantissa = mantissa * 10 + digit;
                    digits++;
                    scale--;
                } else {
                    exact = false;
                }
                i++;
            }
            if (i == fraction) {
                return -1;
            }
        }
        if (i < end && (json[i] == 'e' || json[i] == 'E')) {
            integer = false;
            i++;
            boolean negativeExponent = false;
            if (i < end && (json[i] == '+' || json[i] == '-')) {
                negativeExponent = json[i] == '-';
                i++;
            }
            int exponentStart = i;
            int power = 0;
            while (i < end && json[i] >= '0' && json[i] <= '9') {
                if (power < 100_000) {
                    power = power * 10 + (json[i] - '0');
                }
                i++;
            }
            if (i == exponentStart) {
                return -1;
            }
            scale += negativeExponent ? -power : power;
        }
        if (i >= end || i - start > MAX_NUMBER_LENGTH) {
            return -1;
        }
        if (!endsNumber(json[i])) {
            return -1;
        }
        position = i;
        boolean fast = exact && mantissa <= MAX_EXACT_MANTISSA && scale >= -22 && scale <= 22;
        exponent = fast || mantissa == 0 && exact ? scale : Integer.MIN_VALUE;
        return mantissa;
    }

    /**
     * How many of the eight bytes, read little-endian, are decimal digits before the first that is not. A byte is
     * flagged when subtracting '0' borrows or adding 0x46 passes 0x7f; the digits before the first flagged byte neither
     * borrow nor carry, so that byte's flag is exact (later bytes may be flagged wrongly, and are not looked at).
     */
    private static int leadingDigits(long chunk) {
        long notDigits = ((chunk + 0x4646464646464646L) | (chunk - 0x3030303030303030L)) & 0x8080808080808080L;
        return Long.numberOfTrailingZeros(notDigits) >>> 3;
    }

    /**
     * The number the first {@code count} bytes of the chunk spell (count from 0 to 8): the bytes after them are shifted
     * out, leaving leading zeros, and the eight digits are combined pairwise in three multiplications.
     */
    private static long digitsValue(long chunk, int count) {
        // two shifts of 32 - 4 x count: all 64 bits (a zero) for no digit, where one shift of 64 would shift nothing
        int half = Integer.SIZE - 4 * count;
        long value = ((chunk - 0x3030303030303030L) << half) << half;
        value = (value & 0x0F0F0F0F0F0F0F0FL) * 2561 >>> 8;
        value = (value & 0x00FF00FF00FF00FFL) * 6553601 >>> 16;
        return (value & 0x0000FFFF0000FFFFL) * 42949672960001L >>> 32;
    }

    private static boolean startsNumber(byte b) {
        return b == '-' || b >= '0' && b <= '9';
    }

    /** Whether the byte may follow a number in an array: a comma, the closing bracket or whitespace. */
    private static boolean endsNumber(byte b) {
        return b == ',' || b == ']' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /** The double nearest to mantissa x 10^exponent: exact operands, so the one operation rounds once. */
    private double exactlyRounded(long mantissa) {
        return exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent] : mantissa * POWERS_OF_TEN[exponent];
    }

    private String text(int start) {
        return new String(json, start, position - start, StandardCharsets.ISO_8859_1);
    }

    /**
     * A decoded array: its elements, the offset of its closing bracket, and the line breaks inside it ({@code
     * lineStart} is the offset after the last one, -1 when there is none), which the token parser counts on.
     */
    public record DecodedArray(ByteBuffer data, int close, int lines, int lineStart) {
    }
}
