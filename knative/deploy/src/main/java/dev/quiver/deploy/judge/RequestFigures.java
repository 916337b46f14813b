package dev.quiver.deploy.judge;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A revision's HTTP server figures from its {@code http_server_requests_seconds} histogram: requests, server errors
 * (5xx) and the 99th percentile latency, estimated from the buckets as Prometheus's {@code histogram_quantile} does.
 * The function's own endpoints under {@code /q/} (metrics, health) are left out: they are not callers' traffic.
 */
public record RequestFigures(long requests, long errors, double p99Seconds) {

    private static final String METRIC = "http_server_requests_seconds";

    public static RequestFigures of(List<Sample> samples) {
        long requests = 0;
        long errors = 0;
        Map<Double, Double> buckets = new TreeMap<>();
        for (Sample sample : samples) {
            if (sample.labels().getOrDefault("uri", "").startsWith("/q/")) {
                continue;
            }
            if (sample.name().equals(METRIC + "_count")) {
                requests += (long) sample.value();
                if (sample.labels().getOrDefault("status", "").startsWith("5")) {
                    errors += (long) sample.value();
                }
            } else if (sample.name().equals(METRIC + "_bucket") && sample.labels().containsKey("le")) {
                buckets.merge(Sample.parseValue(sample.labels().get("le")), sample.value(), Double::sum);
            }
        }
        return new RequestFigures(requests, errors, quantile(0.99, buckets));
    }

    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /** Linear interpolation within the bucket that holds the rank; NaN without buckets. */
    static double quantile(double q, Map<Double, Double> cumulative) {
        if (cumulative.isEmpty()) {
            return Double.NaN;
        }
        double total = cumulative.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double countBelow = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            if (bucket.getValue() >= rank) {
                if (bucket.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = bucket.getValue() - countBelow;
                return inBucket == 0 ? bucket.getKey()
                        : lowerBound + (bucket.getKey() - lowerBound) * (rank - countBelow) / inBucket;
            }
            lowerBound = bucket.getKey();
            countBelow = bucket.getValue();
        }
        return lowerBound;
    }
}
