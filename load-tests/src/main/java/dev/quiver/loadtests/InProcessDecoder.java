package dev.quiver.loadtests;

import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.DecimalArrayDecoder;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * The JSON path's own floor: the function's decoder reading the benchmark's JSON request's {@code data} array into a
 * tensor's buffer on one thread, nothing else (no HTTP, no model). What a JSON image costs the server beyond a binary
 * one cannot be less than this.
 */
final class InProcessDecoder {

    private static final String DATA = "\"data\":[";

    private final byte[] json;
    private final int open;
    private final long[] shape;

    InProcessDecoder(Buffer request, long[] shape) {
        this.json = request.getBytes();
        int data = new String(json, StandardCharsets.ISO_8859_1).indexOf(DATA);
        if (data < 0) {
            throw new IllegalArgumentException("the request has no " + DATA + " array");
        }
        this.open = data + DATA.length() - 1;
        this.shape = shape;
        if (DecimalArrayDecoder.decode(json, open, json.length, Datatype.FP32, shape) == null) {
            throw new IllegalArgumentException("the request's data array is not one the decoder reads itself (FP32 "
                    + "numbers in the shape " + Arrays.toString(shape) + ")");
        }
    }

    /** Decodes the array back to back for {@code duration}, after {@code warmUp}; one image a decode. */
    LatencyStats run(Duration warmUp, Duration duration) {
        loop(warmUp);
        return loop(duration);
    }

    private LatencyStats loop(Duration duration) {
        long[] latencies = new long[4_000_000];
        int count = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long now = start;
        while (now < end) {
            DecimalArrayDecoder.DecodedArray decoded = DecimalArrayDecoder.decode(json, open, json.length,
                    Datatype.FP32, shape);
            long done = System.nanoTime();
            if (decoded == null) {
                throw new IllegalStateException("the decoder refused an array it read before");
            }
            if (count < latencies.length) {
                latencies[count++] = done - now;
            }
            now = done;
        }
        return LatencyStats.of(latencies, count, count, 0, (now - start) / 1e9);
    }
}
