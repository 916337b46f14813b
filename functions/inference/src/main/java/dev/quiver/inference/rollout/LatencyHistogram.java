package dev.quiver.inference.rollout;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * Request latencies counted in fixed buckets, the same for every replica, so that the histograms of all replicas add
 * up to the histogram of the whole traffic and a percentile is read from the sum (averaging percentiles would not
 * do). Bucket {@code i} counts latencies up to {@link #UPPER_BOUNDS_MS}{@code [i]}; the last one everything slower.
 *
 * @param counts one count per bucket
 */
public record LatencyHistogram(@JsonProperty("counts") long[] counts) {

    /** Upper bounds in milliseconds: 0.05 ms to about 60 s, each a quarter above the one before. */
    public static final double[] UPPER_BOUNDS_MS = bounds();

    @JsonCreator
    public LatencyHistogram {
        if (counts == null || counts.length == 0) {
            counts = new long[UPPER_BOUNDS_MS.length + 1];
        } else if (counts.length != UPPER_BOUNDS_MS.length + 1) {
            throw new IllegalArgumentException("a latency histogram has " + (UPPER_BOUNDS_MS.length + 1)
                    + " buckets, got " + counts.length);
        }
    }

    public static LatencyHistogram empty() {
        return new LatencyHistogram(null);
    }

    /** The bucket a latency falls in. */
    public static int bucket(long nanos) {
        double millis = nanos / 1e6;
        int index = Arrays.binarySearch(UPPER_BOUNDS_MS, millis);
        return index >= 0 ? index : -index - 1;
    }

    public long total() {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        return total;
    }

    public LatencyHistogram plus(LatencyHistogram other) {
        long[] sum = counts.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.counts[i];
        }
        return new LatencyHistogram(sum);
    }

    /**
     * The latency below which the share {@code quantile} of requests fell: the upper bound of the bucket where that
     * share is reached (at most a quarter above the true value), the last bound for the slowest bucket; 0 when empty.
     */
    public double quantileMillis(double quantile) {
        long total = total();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return UPPER_BOUNDS_MS[Math.min(i, UPPER_BOUNDS_MS.length - 1)];
            }
        }
        return UPPER_BOUNDS_MS[UPPER_BOUNDS_MS.length - 1];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LatencyHistogram histogram && Arrays.equals(counts, histogram.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencyHistogram" + Arrays.toString(counts);
    }

    private static double[] bounds() {
        double[] bounds = new double[64];
        double bound = 0.05;
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = Math.round(bound * 1000) / 1000.0;
            bound *= 1.25;
        }
        return bounds;
    }
}
