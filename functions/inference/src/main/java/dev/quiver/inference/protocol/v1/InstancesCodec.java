package dev.quiver.inference.protocol.v1;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

    /**
     * Reads {@code instances}; the parser must be on its START_ARRAY. The instances are decoded as they are read, each
     * input's values straight into its tensor, whatever the number of inputs.
     *
     * @param bytes the bytes of JSON from the instances on, which bound the elements they may hold
     */
    public static InstancesRequest read(JsonParser parser, String model, ModelSignature signature, String path,
                                        long bytes) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalidInput(path + ": expected a list with one entry per item");
        }
        List<TensorSpec> inputs = signature.inputs();
        if (inputs.size() == 1) {
            TensorSpec spec = inputs.getFirst();
            return new InstancesRequest(List.of(check(JsonTensorReader.readRows(parser, spec.name(), spec.datatype(),
                    path, bytes), spec, model, path)));
        }
        List<JsonTensorReader.Rows> columns = new ArrayList<>(inputs.size());
        for (TensorSpec spec : inputs) {
            columns.add(new JsonTensorReader.Rows(spec.name(), spec.datatype(), path + "[*]." + spec.name(), bytes));
        }
        for (int item = 0; parser.nextToken() != JsonToken.END_ARRAY; item++) {
            String at = path + "[" + item + "]";
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw InferenceException.invalidInput(at + ": model " + model + " has inputs "
                        + signature.inputNames() + "; each instance is an object with a value for each");
            }
            boolean[] given = new boolean[inputs.size()];
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                int index = indexOf(inputs, name);
                if (index < 0) {
                    throw InferenceException.invalidInput(at + "." + InferenceException.shown(name) + ": model " + model
                            + " has no input \"" + InferenceException.shown(name) + "\"; its inputs are "
                            + signature.inputNames());
                }
                if (given[index]) {
                    throw InferenceException.invalidInput(at + "." + InferenceException.shown(name) + ": given twice; "
                            + "give each input once");
                }
                given[index] = true;
                parser.nextToken();
                columns.get(index).add(parser);
            }
            for (int i = 0; i < inputs.size(); i++) {
                if (!given[i]) {
                    throw InferenceException.invalidInput(at + "." + inputs.get(i).name() + ": is required");
                }
            }
        }
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            tensors.add(check(columns.get(i).finish(), inputs.get(i), model, path));
        }
        return new InstancesRequest(tensors);
    }

    private static int indexOf(List<TensorSpec> inputs, String name) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
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
