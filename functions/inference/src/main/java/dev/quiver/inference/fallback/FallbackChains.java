package dev.quiver.inference.fallback;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quiver.inference.modelconfig.FallbackSpec;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.Datatype;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a model's {@code fallback} configuration into the steps of one version's chain: reads the files of precomputed
 * answers from the model's folder and checks them against the version's outputs, so a chain that cannot answer is
 * refused when the version loads, not when a request needs it.
 *
 * <pre>
 * default_outputs file: {"outputs": {"probabilities": [0.5, 0.5]}}          one item's values of every output
 * answers file:         {"answers": {"7": {"probabilities": [0.9, 0.1]}, "12": {...}}}   keyed by the key input's value
 * </pre>
 */
public final class FallbackChains {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private FallbackChains() {
    }

    /** @throws InvalidFallbackException naming the step and what does not fit */
    public static List<FallbackStep> resolve(List<FallbackSpec> specs, Path modelFolder, ModelSignature signature)
            throws InvalidFallbackException {
        List<FallbackStep> steps = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            String path = "fallback[" + i + "]";
            steps.add(switch (specs.get(i)) {
                case FallbackSpec.PreviousVersion ignored -> new FallbackStep.PreviousVersion();
                case FallbackSpec.Model model -> new FallbackStep.OtherModel(model.name());
                case FallbackSpec.DefaultOutputs outputs -> new FallbackStep.Precomputed(new PrecomputedAnswers(null,
                        Map.of(PrecomputedAnswers.DEFAULT, row(path + ".default_outputs " + outputs.file(),
                                read(modelFolder, outputs.file(), path).path("outputs"), signature)),
                        signature.outputs(), signature.supportsBatching()));
                case FallbackSpec.KeyedAnswers answers -> keyed(path, modelFolder, answers, signature);
            });
        }
        return steps;
    }

    private static FallbackStep keyed(String path, Path folder, FallbackSpec.KeyedAnswers spec,
                                      ModelSignature signature) throws InvalidFallbackException {
        if (signature.input(spec.key()).isEmpty()) {
            throw new InvalidFallbackException(path + ".key: model has no input \"" + spec.key() + "\"; its inputs "
                    + "are " + signature.inputNames());
        }
        JsonNode answers = read(folder, spec.file(), path).path("answers");
        if (!answers.isObject()) {
            throw new InvalidFallbackException(path + ".answers " + spec.file() + ": expected {\"answers\": {key: "
                    + "{output: [values]}}}");
        }
        Map<String, Map<String, byte[]>> rows = new HashMap<>();
        for (Map.Entry<String, JsonNode> answer : answers.properties()) {
            rows.put(answer.getKey(), row(path + ".answers " + spec.file() + " \"" + answer.getKey() + "\"",
                    answer.getValue(), signature));
        }
        return new FallbackStep.Precomputed(new PrecomputedAnswers(spec.key(), rows, signature.outputs(),
                signature.supportsBatching()));
    }

    private static JsonNode read(Path folder, String file, String path) throws InvalidFallbackException {
        try {
            return JSON.readTree(folder.resolve(file).toFile());
        } catch (IOException e) {
            throw new InvalidFallbackException(path + ": cannot read " + file + " in the model's folder: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** One item's values of every output, encoded as the outputs' datatypes. */
    private static Map<String, byte[]> row(String where, JsonNode values, ModelSignature signature)
            throws InvalidFallbackException {
        if (!values.isObject()) {
            throw new InvalidFallbackException(where + ": expected {output: [values]} for the outputs "
                    + signature.outputNames());
        }
        Map<String, byte[]> row = new LinkedHashMap<>();
        for (TensorSpec output : signature.outputs()) {
            long elements = rowElements(where, output, signature.supportsBatching());
            JsonNode data = values.path(output.name());
            if (!data.isArray() || data.size() != elements) {
                throw new InvalidFallbackException(where + ": output " + output.name() + " needs " + elements
                        + " values per item (shape " + Arrays.toString(output.shape()) + "), got "
                        + (data.isArray() ? data.size() + " values" : data.getNodeType().name().toLowerCase()));
            }
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(output.datatype().byteCount(elements)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode value : data) {
                if (!value.isNumber() && !value.isBoolean()) {
                    throw new InvalidFallbackException(where + ": output " + output.name() + " holds " + value
                            + ", not a number");
                }
                put(bytes, output.datatype(), value.isBoolean() ? (value.asBoolean() ? 1 : 0) : value.asDouble());
            }
            row.put(output.name(), bytes.array());
        }
        for (Map.Entry<String, JsonNode> given : values.properties()) {
            String name = given.getKey();
            if (signature.output(name).isEmpty()) {
                throw new InvalidFallbackException(where + ": \"" + name + "\" is not an output of the model, whose "
                        + "outputs are " + signature.outputNames());
            }
        }
        return row;
    }

    private static long rowElements(String where, TensorSpec output, boolean batching)
            throws InvalidFallbackException {
        long[] shape = output.shape();
        long elements = 1;
        for (int i = batching ? 1 : 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new InvalidFallbackException(where + ": output " + output.name() + " has shape "
                        + Arrays.toString(shape) + "; a precomputed answer needs every dimension but the first fixed");
            }
            elements *= shape[i];
        }
        return elements;
    }

    private static void put(ByteBuffer bytes, Datatype datatype, double value) {
        switch (datatype) {
            case FP32 -> bytes.putFloat((float) value);
            case FP64 -> bytes.putDouble(value);
            case INT64 -> bytes.putLong((long) value);
            case INT32 -> bytes.putInt((int) value);
            case INT16 -> bytes.putShort((short) value);
            case INT8, UINT8, BOOL -> bytes.put((byte) value);
        }
    }
}
