package dev.quiver.inference.monitoring;

import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one request was answered, per item, as monitoring keeps it: the predicted class or the value of each item of
 * the model's first output, and the version that answered. Kept for the request's label, and counted in its
 * version's window.
 *
 * <p>A first output with several values per item (shape {@code [N, C]}, C above 1) is a classifier's scores: the
 * item's class is the index of the highest. One integer per item is a classifier's label; one number of another type
 * per item is a regressor's value.
 *
 * @param values the class (as a whole number) or the value of each item
 */
public record Answer(long version, PredictionKind kind, double[] values) {

    /** Items kept at most for a label: a larger request is counted in statistics but cannot be labelled. */
    public static final int MAX_ITEMS = 1024;

    /** Reads the first output; empty when it has no items or is not a numeric tensor monitoring can read. */
    static Optional<Answer> of(long version, Tensor first) {
        long items = first.batchSize();
        long elements = first.elementCount();
        if (items <= 0 || elements <= 0 || elements % items != 0) {
            return Optional.empty();
        }
        int perItem = Math.toIntExact(elements / items);
        ByteBuffer data = first.data();
        Datatype type = first.datatype();
        double[] values = new double[Math.toIntExact(items)];
        if (perItem > 1 && first.shape().length >= 2) {
            for (int item = 0; item < values.length; item++) {
                int best = 0;
                double bestScore = element(data, type, (long) item * perItem);
                for (int c = 1; c < perItem; c++) {
                    double score = element(data, type, (long) item * perItem + c);
                    if (score > bestScore) {
                        best = c;
                        bestScore = score;
                    }
                }
                values[item] = best;
            }
            return Optional.of(new Answer(version, PredictionKind.CLASSIFIER, values));
        }
        for (int item = 0; item < values.length; item++) {
            values[item] = element(data, type, (long) item * perItem);
        }
        boolean labels = type != Datatype.FP32 && type != Datatype.FP64;
        return Optional.of(new Answer(version, labels ? PredictionKind.CLASSIFIER : PredictionKind.REGRESSOR, values));
    }

    private static double element(ByteBuffer data, Datatype type, long index) {
        int at = Math.toIntExact(index * type.byteSize());
        return switch (type) {
            case FP32 -> data.getFloat(at);
            case FP64 -> data.getDouble(at);
            case INT64 -> data.getLong(at);
            case INT32 -> data.getInt(at);
            case INT16 -> data.getShort(at);
            case UINT8 -> data.get(at) & 0xff;
            case INT8, BOOL -> data.get(at);
        };
    }

    /** The answer as one line of text, for a store shared by replicas: {@code <version>|<kind>|v1,v2,...}. */
    String encode() {
        return version + "|" + kind.label() + "|" + Arrays.stream(values).mapToObj(Answer::number)
                .collect(Collectors.joining(","));
    }

    static Answer decode(String text) {
        String[] parts = text.split("\\|", 3);
        PredictionKind kind = parts[1].equals(PredictionKind.CLASSIFIER.label()) ? PredictionKind.CLASSIFIER
                : PredictionKind.REGRESSOR;
        double[] values = parts[2].isEmpty() ? new double[0]
                : Arrays.stream(parts[2].split(",")).mapToDouble(Double::parseDouble).toArray();
        return new Answer(Long.parseLong(parts[0]), kind, values);
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Answer that && version == that.version && kind == that.kind
                && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(version) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "Answer[version " + version + ", " + kind.label() + ", " + Arrays.toString(values) + "]";
    }
}
