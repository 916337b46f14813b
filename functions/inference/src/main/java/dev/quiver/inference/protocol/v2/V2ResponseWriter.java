package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.serving.ServedInference;
import dev.quiver.inference.tensor.JsonTensorWriter;
import dev.quiver.inference.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an Open Inference Protocol v2 inference response: {@code model_name}, {@code model_version}, the request's
 * {@code id} and the outputs, each as JSON {@code data} or, when the request asked for it, as binary data after the
 * JSON header.
 */
public final class V2ResponseWriter {

    private final JsonFactory factory;

    public V2ResponseWriter(JsonFactory factory) {
        this.factory = factory;
    }

    public V2Response write(ServedInference<V2InferenceRequest> served) {
        V2InferenceRequest request = served.request();
        List<Tensor> binary = new ArrayList<>();
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("model_name", served.model());
            json.writeStringField("model_version", Long.toString(served.version()));
            if (request.id() != null) {
                json.writeStringField("id", request.id());
            }
            if (served.fallback() != null) {
                json.writeObjectFieldStart("parameters");
                json.writeObjectFieldStart("fallback");
                json.writeStringField("reason", served.fallback().reason().label());
                json.writeStringField("answered_by", served.fallback().answeredBy());
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeArrayFieldStart("outputs");
            for (Tensor output : served.outputs()) {
                json.writeStartObject();
                json.writeStringField("name", output.name());
                json.writeStringField("datatype", output.datatype().name());
                json.writeArrayFieldStart("shape");
                for (long dim : output.shape()) {
                    json.writeNumber(dim);
                }
                json.writeEndArray();
                if (request.binary(output.name())) {
                    json.writeObjectFieldStart("parameters");
                    json.writeNumberField("binary_data_size", output.data().remaining());
                    json.writeEndObject();
                    binary.add(output);
                } else {
                    json.writeFieldName("data");
                    JsonTensorWriter.writeFlat(json, output);
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw InferenceException.internal("cannot write the response: " + e.getMessage(), e);
        }
        if (binary.isEmpty()) {
            return new V2Response(out.toByteArray(), -1);
        }
        int headerLength = out.size();
        for (Tensor output : binary) {
            byte[] bytes = new byte[output.data().remaining()];
            output.data().duplicate().get(bytes);
            out.write(bytes);
        }
        return new V2Response(out.toByteArray(), headerLength);
    }
}
