package dev.quiver.inference.protocol.v1;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.JsonTensorReader;
import dev.quiver.inference.tensor.JsonTensorWriter;
import dev.quiver.inference.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The row format of KServe V1 and of the {@code predict} function: {@code instances} is a list with one entry per item,
 * and {@code predictions} answers with one entry per item.
 *
 * <p>For a model with one input an instance is that input's value for one item (a number or nested list); for a
 * model with several inputs it is an object with one such value per input name. Predictions mirror this: one value
 * per item for a single output, an object of output values per item otherwise.
 */
public final class InstancesCodec {

    private InstancesCodec() {
    }

    /** Reads {@code instances}; the parser must be on its START_ARRAY. */
    public static InstancesRequest read(JsonParser parser, String model, ModelSignature signature, String path,
                                        long maxElements) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalidInput(path + ": expected a list with one entry per item");
        }
        List<TensorSpec> inputs = signature.inputs();
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        if (inputs.size() == 1) {
            TensorSpec spec = inputs.getFirst();
            tensors.add(check(JsonTensorReader.readRows(parser, spec.name(), spec.datatype(), path, maxElements),
                    spec, model, path));
            return new InstancesRequest(tensors);
        }
        JsonNode instances = parser.readValueAsTree();
        ObjectCodec codec = parser.getCodec();
        for (TensorSpec spec : inputs) {
            ArrayNode column = JsonNodeFactory.instance.arrayNode(instances.size());
            for (int i = 0; i < instances.size(); i++) {
                JsonNode instance = instances.get(i);
                if (!instance.isObject()) {
                    throw InferenceException.invalidInput(path + "[" + i + "]: model " + model + " has inputs "
                            + signature.inputNames() + "; each instance is an object with a value for each");
                }
                JsonNode value = instance.get(spec.name());
                if (value == null) {
                    throw InferenceException.invalidInput(path + "[" + i + "]." + spec.name() + ": is required");
                }
                column.add(value);
            }
            try (JsonParser columnParser = column.traverse(codec)) {
                columnParser.nextToken();
                tensors.add(check(JsonTensorReader.readRows(columnParser, spec.name(), spec.datatype(),
                        path + "[*]." + spec.name(), maxElements), spec, model, path));
            }
        }
        return new InstancesRequest(tensors);
    }

    /** Writes one prediction per item of the outputs' first dimension. */
    public static void writePredictions(JsonGenerator json, List<Tensor> outputs) throws IOException {
        json.writeStartArray();
        if (!outputs.isEmpty()) {
            long items = outputs.getFirst().shape().length == 0 ? 1 : outputs.getFirst().shape()[0];
            for (int row = 0; row < items; row++) {
                if (outputs.size() == 1) {
                    JsonTensorWriter.writeRow(json, outputs.getFirst(), row);
                } else {
                    json.writeStartObject();
                    for (Tensor output : outputs) {
                        json.writeFieldName(output.name());
                        JsonTensorWriter.writeRow(json, output, row);
                    }
                    json.writeEndObject();
                }
            }
        }
        json.writeEndArray();
    }

    private static Tensor check(Tensor tensor, TensorSpec spec, String model, String path) {
        if (tensor.batchSize() < 1) {
            throw InferenceException.invalidInput(path + ": is empty; send at least one instance");
        }
        if (!spec.accepts(tensor.shape())) {
            throw InferenceException.invalidInput(path + ": input \"" + spec.name() + "\" of model " + model
                    + " has shape " + Arrays.toString(spec.shape()) + " (-1: any size), the instances make "
                    + Arrays.toString(tensor.shape()));
        }
        return tensor;
    }
}
