package dev.quiver.baseline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds a {@link TrainingBaseline} from training rows, in bounded memory: each input keeps a uniform sample of at
 * most {@link #SAMPLE_ROWS} rows (reservoir sampling, seeded so that a build is reproducible), and its features'
 * decile bins and counts are taken from that sample. Below that many rows the sample is every row.
 *
 * <pre>
 * BaselineBuilder builder = new BaselineBuilder(seed).input("input", 64);
 * for (double[] pixels : rows) builder.add("input", pixels);
 * TrainingBaseline baseline = builder.build(Instant.now());
 * </pre>
 */
public final class BaselineBuilder {

    /** Elements per item up to which every element is a feature; above it, elements are pooled into this many. */
    public static final int MAX_FEATURES = 256;
    /** Rows kept per input to fix the bins on. */
    public static final int SAMPLE_ROWS = 10_000;
    /** Bins per feature at most: deciles. */
    public static final int BINS = 10;

    private final SplittableRandom random;
    private final Map<String, InputSample> inputs = new LinkedHashMap<>();

    public BaselineBuilder(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Declares an input, by the name callers use, with its elements per item. */
    public BaselineBuilder input(String name, long elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("input " + name + ": expected at least 1 element per item, got "
                    + elements);
        }
        inputs.put(name, new InputSample(elements));
        return this;
    }

    /** Adds one training item of an input: its elements, flat and row-major. */
    public void add(String input, double[] item) {
        InputSample sample = inputs.get(input);
        if (sample == null) {
            throw new IllegalArgumentException("input " + input + " was not declared; declared: " + inputs.keySet());
        }
        if (item.length != sample.elements) {
            throw new IllegalArgumentException("input " + input + " has " + sample.elements + " elements per item, got "
                    + item.length);
        }
        sample.add(item, random);
    }

    public TrainingBaseline build(Instant trainedAt) {
        Map<String, InputBaseline> built = new LinkedHashMap<>();
        long rows = 0;
        for (Map.Entry<String, InputSample> input : inputs.entrySet()) {
            if (input.getValue().seen == 0) {
                throw new IllegalStateException("input " + input.getKey() + ": no rows were added");
            }
            built.put(input.getKey(), input.getValue().baseline());
            rows = Math.max(rows, input.getValue().seen);
        }
        return new TrainingBaseline(trainedAt.toString(), rows, built);
    }

    /** Features of one input: {@code from}/{@code to} element ranges, one per element or one per pooled group. */
    static long[] boundaries(long elements) {
        int features = (int) Math.min(elements, MAX_FEATURES);
        long[] bounds = new long[features + 1];
        for (int i = 0; i <= features; i++) {
            bounds[i] = elements * i / features;
        }
        return bounds;
    }

    /** Fixed decile edges of sorted values: each distinct quantile once, so that every bin but the last holds some. */
    static double[] edges(double[] sorted) {
        double[] edges = new double[BINS - 1];
        int count = 0;
        for (int k = 1; k < BINS; k++) {
            int index = (int) Math.ceil((double) k * sorted.length / BINS) - 1;
            double edge = sorted[Math.max(0, index)];
            if (count == 0 || edge > edges[count - 1]) {
                edges[count++] = edge;
            }
        }
        return Arrays.copyOf(edges, count);
    }

    private static final class InputSample {

        private final long elements;
        private final long[] bounds;
        private final List<float[]> rows = new ArrayList<>();
        private long seen;

        InputSample(long elements) {
            this.elements = elements;
            this.bounds = boundaries(elements);
        }

        void add(double[] item, SplittableRandom random) {
            seen++;
            if (rows.size() < SAMPLE_ROWS) {
                rows.add(features(item));
                return;
            }
            long slot = random.nextLong(seen);
            if (slot < SAMPLE_ROWS) {
                rows.set((int) slot, features(item));
            }
        }

        private float[] features(double[] item) {
            float[] features = new float[bounds.length - 1];
            for (int f = 0; f < features.length; f++) {
                double sum = 0;
                for (long e = bounds[f]; e < bounds[f + 1]; e++) {
                    sum += item[(int) e];
                }
                features[f] = (float) (sum / (bounds[f + 1] - bounds[f]));
            }
            return features;
        }

        InputBaseline baseline() {
            List<FeatureBaseline> features = new ArrayList<>();
            double[] column = new double[rows.size()];
            for (int f = 0; f < bounds.length - 1; f++) {
                double sum = 0;
                for (int r = 0; r < column.length; r++) {
                    column[r] = rows.get(r)[f];
                    sum += column[r];
                }
                double mean = sum / column.length;
                double squares = 0;
                for (double value : column) {
                    squares += (value - mean) * (value - mean);
                }
                double[] sorted = column.clone();
                Arrays.sort(sorted);
                double[] edges = edges(sorted);
                FeatureBaseline shape = new FeatureBaseline(bounds[f], bounds[f + 1], edges, new long[edges.length + 1],
                        mean, Math.sqrt(squares / column.length), sorted[0], sorted[sorted.length - 1]);
                for (double value : sorted) {
                    shape.counts()[shape.bin(value)]++;
                }
                features.add(shape);
            }
            return new InputBaseline(elements, rows.size(), features);
        }
    }
}
