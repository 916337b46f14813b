package dev.quiver.inference.fallback;

import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import dev.quiver.inference.validation.OutputChecks;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Outputs written down beforehand: the same for every item ({@code default_outputs}), or looked up by the value of one
 * input of each item ({@code answers}). Each answer holds one item's elements of every output, already encoded.
 *
 * @param key     the input (name callers use) whose value keys the answers; null for default outputs
 * @param answers by key ({@code ""} for default outputs), each output's bytes for one item, by the name callers use
 */
public record PrecomputedAnswers(String key, Map<String, Map<String, byte[]>> answers, List<TensorSpec> outputs,
                                 boolean batching) {

    static final String DEFAULT = "";

    public String kind() {
        return key == null ? "default_outputs" : "answers";
    }

    /**
     * @param inputs the request's inputs, by the names callers use
     * @param items  the request's items (1 for a model that does not batch)
     * @param wanted the outputs asked for, by the names callers use
     * @return the outputs, or empty when an item's key has no answer
     */
    public Optional<List<Tensor>> answer(Map<String, Tensor> inputs, int items, List<String> wanted) {
        List<Map<String, byte[]>> rows = new ArrayList<>(items);
        if (key == null) {
            for (int i = 0; i < items; i++) {
                rows.add(answers.get(DEFAULT));
            }
        } else {
            Tensor keys = inputs.get(key);
            if (keys == null || keys.elementCount() != items) {
                return Optional.empty();
            }
            for (int i = 0; i < items; i++) {
                Map<String, byte[]> row = answers.get(keyOf(keys, i));
                if (row == null) {
                    return Optional.empty();
                }
                rows.add(row);
            }
        }
        List<Tensor> tensors = new ArrayList<>();
        for (TensorSpec spec : outputs) {
            if (!wanted.isEmpty() && !wanted.contains(spec.name())) {
                continue;
            }
            int rowBytes = rows.getFirst().get(spec.name()).length;
            ByteBuffer data = ByteBuffer.allocate(rowBytes * items).order(ByteOrder.LITTLE_ENDIAN);
            rows.forEach(row -> data.put(row.get(spec.name())));
            data.flip();
            long[] shape = spec.shape();
            if (batching) {
                shape[0] = items;
            }
            tensors.add(new Tensor(spec.name(), spec.datatype(), shape, data));
        }
        return Optional.of(tensors);
    }

    /** An item's key as the answers file writes it: whole numbers without a decimal point. */
    static String keyOf(Tensor keys, int item) {
        if (keys.datatype() == Datatype.BOOL) {
            return keys.data().get(item) != 0 ? "true" : "false";
        }
        double value = OutputChecks.element(keys, item);
        if (keys.datatype() == Datatype.INT64) {
            return Long.toString(keys.data().getLong(item * 8));
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
