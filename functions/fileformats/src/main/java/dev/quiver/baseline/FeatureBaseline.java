package dev.quiver.baseline;

/**
 * One feature of an input: elements {@code from} (inclusive) to {@code to} (exclusive) of an item, their mean when
 * they are more than one, and how its training values fell into bins.
 *
 * <p>The bins are fixed by {@code edges}, ascending training quantiles (deciles, duplicates dropped, so a feature
 * with few distinct values has few bins): bin 0 holds values up to {@code edges[0]}, bin i values above
 * {@code edges[i-1]} up to {@code edges[i]}, the last bin values above the last edge. {@code counts} has one entry
 * per bin: the training rows in it. Bins and counts are what the population stability index and a binned
 * Kolmogorov-Smirnov test of served inputs are computed against.
 */
public record FeatureBaseline(long from, long to, double[] edges, long[] counts, double mean, double std,
                              double min, double max) {

    public FeatureBaseline {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("feature elements " + from + " to " + to + ": expected 0 <= from < to");
        }
        if (edges == null || counts == null || counts.length != edges.length + 1) {
            throw new IllegalArgumentException("feature elements " + from + " to " + to + ": expected one more count "
                    + "than edges");
        }
        for (int i = 1; i < edges.length; i++) {
            if (!(edges[i] > edges[i - 1])) {
                throw new IllegalArgumentException("feature elements " + from + " to " + to + ": edges must rise, "
                        + "edges[" + i + "] is " + edges[i] + " after " + edges[i - 1]);
            }
        }
        for (long count : counts) {
            if (count < 0) {
                throw new IllegalArgumentException("feature elements " + from + " to " + to + ": counts are never "
                        + "negative");
            }
        }
    }

    /** The bin of a value. */
    public int bin(double value) {
        int low = 0;
        int high = edges.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (value <= edges[middle]) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }

    public int bins() {
        return counts.length;
    }

    /** A name for messages: the element index, or the range of a group. */
    public String label() {
        return to - from == 1 ? Long.toString(from) : from + "-" + (to - 1);
    }
}
