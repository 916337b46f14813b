package dev.quiver.inference.predictionlog;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quiver.inference.tensor.JsonTensorWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes a {@link PredictionPayload} as the JSON body of an Open Inference Protocol v2 request
 * ({@code {"id", "inputs"}}) or response ({@code {"id", "model_name", "model_version", "outputs"}}), the bodies KServe's
 * logger sends, so its consumers can read ours. A tensor left out keeps its name, shape and datatype and says why in
 * {@code parameters}.
 */
public final class PredictionPayloadJson {

    private static final JsonFactory JSON = new JsonFactory();

    private PredictionPayloadJson() {
    }

    public static byte[] write(PredictionPayload payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            generator.writeStartObject();
            generator.writeStringField("id", payload.id());
            boolean request = payload.kind() == PredictionPayload.Kind.REQUEST;
            if (!request) {
                generator.writeStringField("model_name", payload.model());
                generator.writeStringField("model_version", Long.toString(payload.version()));
            }
            generator.writeArrayFieldStart(request ? "inputs" : "outputs");
            for (LoggedTensor tensor : payload.tensors()) {
                writeTensor(generator, tensor);
            }
            generator.writeEndArray();
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("prediction log record " + payload.id() + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static void writeTensor(JsonGenerator generator, LoggedTensor tensor) throws IOException {
        generator.writeStartObject();
        generator.writeStringField("name", tensor.name());
        generator.writeArrayFieldStart("shape");
        for (long dim : tensor.shape()) {
            generator.writeNumber(dim);
        }
        generator.writeEndArray();
        generator.writeStringField("datatype", tensor.datatype().name());
        switch (tensor.omission()) {
            case NONE -> {
                generator.writeFieldName("data");
                JsonTensorWriter.writeFlat(generator, tensor.tensor());
            }
            case REDACTED -> writeOmitted(generator, "redacted");
            case TRUNCATED -> writeOmitted(generator, "truncated");
        }
        generator.writeEndObject();
    }

    private static void writeOmitted(JsonGenerator generator, String reason) throws IOException {
        generator.writeObjectFieldStart("parameters");
        generator.writeBooleanField(reason, true);
        generator.writeEndObject();
    }
}
