package dev.quiver.inference.predict;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.protocol.v1.InstancesCodec;
import dev.quiver.inference.protocol.v1.InstancesRequest;
import dev.quiver.inference.routing.RequestKeys;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.serving.InferenceService;
import io.quarkus.funqy.Funq;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * Predictions for callers that want no protocol: {@code POST /predict} with
 * {@code {"model": "digits", "instances": [[...64 pixels...]]}}.
 */
public class PredictFunction {

    private final InferenceService service;
    private final ObjectMapper mapper;

    public PredictFunction(InferenceService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    @Funq("predict")
    public Uni<PredictResponse> predict(PredictRequest request) {
        if (request == null || request.model() == null || request.model().isBlank()) {
            throw InferenceException.invalidInput("model: is required");
        }
        if (request.instances() == null) {
            throw InferenceException.invalidInput("instances: is required; one entry per item");
        }
        return Uni.createFrom().completionStage(service.infer("predict", request.model(),
                        Optional.ofNullable(request.version()), RequestKeys.http(header -> null),
                        model -> instances(request, model)))
                .map(served -> {
                    TokenBuffer predictions = new TokenBuffer(mapper, false);
                    try {
                        InstancesCodec.writePredictions(predictions, served.outputs());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return new PredictResponse(served.model(), Long.toString(served.version()), predictions,
                            PredictResponse.Fallback.of(served.fallback()));
                });
    }

    /**
     * Does nothing: a request that goes through the whole HTTP path of the function and no further, to check that
     * the function is reachable (through Knative's activator and queue-proxy) and as the baseline the load tests
     * compare predictions against. It takes any JSON body and ignores it.
     */
    @Funq("ping")
    public void ping(Map<String, Object> ignored) {
    }

    private InstancesRequest instances(PredictRequest request, LoadedModel model) {
        try (JsonParser parser = request.instances().parser(mapper.getFactory())) {
            return InstancesCodec.read(parser, model.name(), model.signature(), "instances",
                    request.instances().json().length);
        } catch (IOException e) {
            throw InferenceException.invalidInput("instances: unreadable JSON: " + e.getMessage());
        }
    }
}
