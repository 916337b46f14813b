package dev.quiver.loadtests;

import java.util.Arrays;

/** Throughput and latency percentiles of one measured run. */
public record LatencyStats(long requests, long items, long errors, double seconds, double p50Micros,
                           double p90Micros, double p99Micros) {

    public static LatencyStats of(long[] latenciesNanos, int count, long items, long errors, double seconds) {
        long[] sorted = Arrays.copyOf(latenciesNanos, count);
        Arrays.sort(sorted);
        return new LatencyStats(count, items, errors, seconds, percentile(sorted, 0.50), percentile(sorted, 0.90),
                percentile(sorted, 0.99));
    }

    /** Items (images, rows) per second. */
    public double throughput() {
        return items / seconds;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1_000.0;
    }
}
