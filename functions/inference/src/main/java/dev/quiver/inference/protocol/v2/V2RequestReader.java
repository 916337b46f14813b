package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.protocol.v2.V2InferenceRequest.RequestedOutput;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.DecimalArrayDecoder;
import dev.quiver.inference.tensor.InMemoryJsonFactory;
import dev.quiver.inference.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses an Open Inference Protocol v2 inference request, JSON only or with the binary tensor data extension (a JSON
 * header of {@code Inference-Header-Content-Length} bytes followed by the raw little-endian tensors named by
 * {@code binary_data_size} parameters, in input order).
 *
 * <p>Tensor data is decoded straight into typed buffers (FP32 and FP64 arrays from the request's bytes, the rest from
 * the token stream); binary tensors are used in place.
 * Memory follows the bytes present: a shape is never taken on trust for an allocation. Unknown fields are refused, so
 * a misspelt field gets an error instead of being silently ignored, and so is a field given twice, which would
 * otherwise leave a tensor read with one shape and described by another.
 */
public final class V2RequestReader {

    private static final String TOP_LEVEL_FIELDS = "id, parameters, inputs, outputs";
    private static final String INPUT_FIELDS = "name, shape, datatype, parameters, data";

    private final JsonFactory factory;

    public V2RequestReader(ObjectMapper mapper) {
        this.factory = new InMemoryJsonFactory(mapper.getFactory());
    }

    /**
     * @param body         the whole request body from index 0 (the array may be longer: the HTTP layer's own buffer)
     * @param bodyLength   the body's length in bytes
     * @param headerLength the {@code Inference-Header-Content-Length} header, or -1 when the body is all JSON
     */
    public V2InferenceRequest read(byte[] body, int bodyLength, int headerLength) {
        int jsonLength = headerLength < 0 ? bodyLength : headerLength;
        if (jsonLength > bodyLength) {
            throw InferenceException.invalidInput("Inference-Header-Content-Length: " + headerLength
                    + " is larger than the body's " + bodyLength + " bytes");
        }
        try (JsonParser parser = factory.createParser(body, 0, jsonLength)) {
            return read(parser, body, bodyLength, jsonLength);
        } catch (JsonParseException e) {
            throw InferenceException.malformedJson(e);
        } catch (IOException e) {
            throw InferenceException.invalidInput("request body: unreadable JSON: " + e.getMessage());
        }
    }

    private V2InferenceRequest read(JsonParser parser, byte[] body, int bodyLength, int jsonLength)
            throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw InferenceException.invalidInput("request body: expected a JSON object with " + TOP_LEVEL_FIELDS);
        }
        String id = null;
        Map<String, Object> parameters = Map.of();
        List<PendingInput> pending = null;
        List<RequestedOutput> outputs = List.of();
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = once(seen, parser.currentName(), "");
            parser.nextToken();
            switch (field) {
                case "id" -> id = text(parser, "id");
                case "parameters" -> parameters = parameters(parser, "parameters");
                case "inputs" -> pending = inputs(parser, body);
                case "outputs" -> outputs = outputs(parser);
                default -> throw InferenceException.invalidInput(InferenceException.shown(field)
                        + ": unknown field; an inference request has " + TOP_LEVEL_FIELDS);
            }
        }
        if (parser.nextToken() != null) {
            throw InferenceException.invalidInput("request body: content after the JSON object");
        }
        if (pending == null) {
            throw InferenceException.invalidInput("inputs: is required");
        }
        List<Tensor> inputs = resolve(pending, body, bodyLength, jsonLength);
        boolean binaryOutputs = Boolean.TRUE.equals(parameters.get("binary_data_output"));
        return new V2InferenceRequest(id, inputs, outputs, parameters, binaryOutputs);
    }

    private List<PendingInput> inputs(JsonParser parser, byte[] body) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalidInput("inputs: expected an array of tensors");
        }
        List<PendingInput> inputs = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            inputs.add(input(parser, "inputs[" + inputs.size() + "]", body));
        }
        if (inputs.isEmpty()) {
            throw InferenceException.invalidInput("inputs: is empty; give every input of the model");
        }
        return inputs;
    }

    private PendingInput input(JsonParser parser, String path, byte[] body) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw InferenceException.invalidInput(path + ": expected an object with " + INPUT_FIELDS);
        }
        PendingInput input = new PendingInput(path);
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = once(seen, parser.currentName(), path + ".");
            parser.nextToken();
            switch (field) {
                case "name" -> input.name = text(parser, path + ".name");
                case "shape" -> input.shape = shape(parser, path + ".shape");
                case "datatype" -> input.datatype = datatype(parser, path + ".datatype");
                case "parameters" -> input.binarySize = binarySize(parameters(parser, path + ".parameters"), path);
                case "data" -> {
                    if (input.shape != null && input.datatype != null) {
                        input.data = DecimalArrayDecoder.readShaped(parser, input.datatype, input.shape,
                                path + ".data");
                    } else {
                        // data before shape or datatype: note where it is and decode it once both are known
                        input.dataStart = parser.currentTokenLocation().getByteOffset();
                        parser.skipChildren();
                        input.dataEnd = parser.currentLocation().getByteOffset();
                    }
                }
                default -> throw InferenceException.invalidInput(path + "." + InferenceException.shown(field)
                        + ": unknown field; an input has " + INPUT_FIELDS);
            }
        }
        if (input.name == null) {
            throw InferenceException.invalidInput(path + ".name: is required");
        }
        if (input.shape == null) {
            throw InferenceException.invalidInput(path + ".shape: is required");
        }
        if (input.datatype == null) {
            throw InferenceException.invalidInput(path + ".datatype: is required; one of " + Datatype.SUPPORTED);
        }
        boolean hasData = input.data != null || input.dataStart >= 0;
        if (hasData == (input.binarySize >= 0)) {
            throw InferenceException.invalidInput(path + ": give either data or parameters.binary_data_size");
        }
        if (input.dataStart >= 0) {
            int length = (int) (input.dataEnd - input.dataStart);
            try (JsonParser data = factory.createParser(body, (int) input.dataStart, length)) {
                data.nextToken();
                input.data = DecimalArrayDecoder.readShaped(data, input.datatype, input.shape, path + ".data");
            }
        }
        return input;
    }

    private static List<Tensor> resolve(List<PendingInput> pending, byte[] body, int bodyLength, int jsonLength) {
        List<Tensor> inputs = new ArrayList<>(pending.size());
        int offset = jsonLength;
        for (PendingInput input : pending) {
            ByteBuffer data = input.data;
            if (data == null) {
                long needed;
                try {
                    needed = input.datatype.byteCount(Tensor.elementCount(input.shape));
                } catch (ArithmeticException e) {
                    throw InferenceException.invalidInput(input.path + ".shape: " + Arrays.toString(input.shape)
                            + " of " + input.datatype + " is more bytes than can be addressed");
                }
                if (input.binarySize != needed) {
                    throw InferenceException.invalidInput(input.path + ".parameters.binary_data_size: shape "
                            + Arrays.toString(input.shape) + " of " + input.datatype + " needs " + needed
                            + " bytes, got " + input.binarySize);
                }
                if (offset + needed > bodyLength) {
                    throw InferenceException.invalidInput(input.path + ": the binary data ends after "
                            + (bodyLength - offset) + " of input \"" + input.name + "\"'s " + needed + " bytes");
                }
                data = ByteBuffer.wrap(body, offset, (int) needed).slice();
                offset += (int) needed;
            }
            inputs.add(new Tensor(input.name, input.datatype, input.shape, data));
        }
        if (offset != bodyLength) {
            throw InferenceException.invalidInput("request body: " + (bodyLength - offset) + " bytes after the JSON "
                    + "header and the binary data its inputs declare");
        }
        return inputs;
    }

    private List<RequestedOutput> outputs(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalidInput("outputs: expected an array of {\"name\": ...} objects");
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            String path = "outputs[" + outputs.size() + "]";
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw InferenceException.invalidInput(path + ": expected an object with name, parameters");
            }
            String name = null;
            Boolean binary = null;
            Set<String> seen = new HashSet<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = once(seen, parser.currentName(), path + ".");
                parser.nextToken();
                switch (field) {
                    case "name" -> name = text(parser, path + ".name");
                    case "parameters" -> {
                        Object flag = parameters(parser, path + ".parameters").get("binary_data");
                        if (flag != null && !(flag instanceof Boolean)) {
                            throw InferenceException.invalidInput(path + ".parameters.binary_data: expected true or "
                                    + "false");
                        }
                        binary = (Boolean) flag;
                    }
                    default -> throw InferenceException.invalidInput(path + "." + InferenceException.shown(field)
                            + ": unknown field; a requested output has name, parameters");
                }
            }
            if (name == null) {
                throw InferenceException.invalidInput(path + ".name: is required");
            }
            outputs.add(new RequestedOutput(name, binary));
        }
        return outputs;
    }

    /** {@code field}, unless the object gave it already. */
    private static String once(Set<String> seen, String field, String objectPath) {
        if (!seen.add(field)) {
            throw InferenceException.invalidInput(objectPath + InferenceException.shown(field)
                    + ": given twice; give each field once");
        }
        return field;
    }

    private static String text(JsonParser parser, String path) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw InferenceException.invalidInput(path + ": expected a string");
        }
        return parser.getText();
    }

    private static long[] shape(JsonParser parser, String path) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalidInput(path + ": expected an array of dimensions");
        }
        long[] dims = new long[4];
        int rank = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT || parser.getLongValue() < 0) {
                throw InferenceException.invalidInput(path + "[" + rank + "]: dimensions are whole numbers >= 0");
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, rank * 2);
            }
            dims[rank++] = parser.getLongValue();
        }
        long[] shape = Arrays.copyOf(dims, rank);
        try {
            Tensor.elementCount(shape);
        } catch (ArithmeticException e) {
            throw InferenceException.invalidInput(path + ": " + Arrays.toString(shape) + " holds more elements than "
                    + "can be addressed");
        }
        return shape;
    }

    private static Datatype datatype(JsonParser parser, String path) throws IOException {
        String name = text(parser, path);
        return Datatype.fromProtocol(name).orElseThrow(() -> InferenceException.invalidInput(path + ": \""
                + InferenceException.shown(name) + "\" is not supported; use one of " + Datatype.SUPPORTED));
    }

    private static Map<String, Object> parameters(JsonParser parser, String path) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw InferenceException.invalidInput(path + ": expected an object");
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (parameters.containsKey(name)) {
                throw InferenceException.invalidInput(path + "." + InferenceException.shown(name) + ": given twice; "
                        + "give each field once");
            }
            parameters.put(name, scalar(parser, parser.nextToken(), path + "." + InferenceException.shown(name)));
        }
        return parameters;
    }

    private static Object scalar(JsonParser parser, JsonToken token, String path) throws IOException {
        switch (token) {
            case VALUE_TRUE, VALUE_FALSE -> {
                return token == JsonToken.VALUE_TRUE;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw InferenceException.invalidInput(path + ": " + parser.getText() + " is out of range for a "
                            + "64-bit integer");
                }
                return parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                double value = parser.getDoubleValue();
                if (Double.isInfinite(value)) {
                    throw InferenceException.invalidInput(path + ": " + parser.getText() + " is out of range");
                }
                return value;
            }
            default -> throw InferenceException.invalidInput(path + ": parameter values are strings, numbers or "
                    + "booleans");
        }
    }

    private static long binarySize(Map<String, Object> parameters, String path) {
        Object size = parameters.get("binary_data_size");
        if (size == null) {
            return -1;
        }
        if (!(size instanceof Long bytes) || bytes < 0) {
            throw InferenceException.invalidInput(path + ".parameters.binary_data_size: expected a byte count");
        }
        return bytes;
    }

    /** An input while its fields are being read. */
    private static final class PendingInput {
        final String path;
        String name;
        long[] shape;
        Datatype datatype;
        long binarySize = -1;
        ByteBuffer data;
        long dataStart = -1;
        long dataEnd;

        PendingInput(String path) {
            this.path = path;
        }
    }
}
