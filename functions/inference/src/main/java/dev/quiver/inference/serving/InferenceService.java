package dev.quiver.inference.serving;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdmissionCharges;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.batching.InferenceJob;
import dev.quiver.inference.batching.InferenceResult;
import dev.quiver.inference.http.RequestIds;
import dev.quiver.inference.metrics.InferenceMetrics;
import dev.quiver.inference.predictionlog.PredictionLog;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.startup.StartupTimeline;
import dev.quiver.inference.tensor.Tensor;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Serves one request for every protocol: takes a lease on the model version, parses and validates the request
 * against that version's signature, charges the caller what the request costs under its plan, hands it to the
 * version's batcher and releases the lease when the answer is in. Records the request metrics on the way out.
 */
@ApplicationScoped
public class InferenceService {

    private final ModelRegistry registry;
    private final InferenceMetrics metrics;
    private final AdmissionCharges charges;
    private final PredictionLog log;
    private final StartupTimeline timeline;

    public InferenceService(ModelRegistry registry, InferenceMetrics metrics, AdmissionLayer admission,
                            PredictionLog log, StartupTimeline timeline) {
        this.registry = registry;
        this.metrics = metrics;
        this.charges = admission.charges();
        this.log = log;
        this.timeline = timeline;
    }

    /** Serves a request made over HTTP, logged under the HTTP request's id. */
    public <R extends InferenceRequest> CompletionStage<ServedInference<R>> infer(
            String protocol, String model, Optional<String> version, Function<LoadedModel, R> parser) {
        return infer(protocol, RequestIds.current(), model, version, parser);
    }

    /**
     * @param protocol  names the entry point in metrics and the prediction log ({@code v2}, {@code v1}, ...)
     * @param requestId the id the prediction is logged under
     * @param parser    reads the request once the version is known; may throw {@link InferenceException}
     */
    public <R extends InferenceRequest> CompletionStage<ServedInference<R>> infer(String protocol, String requestId,
            String model, Optional<String> version, Function<LoadedModel, R> parser) {
        long start = System.nanoTime();
        LoadedModel loaded;
        try {
            loaded = registry.acquire(model, version);
        } catch (InferenceException e) {
            metrics.requestFailed(protocol, registry.models().containsKey(model) ? model : null, e,
                    System.nanoTime() - start);
            return CompletableFuture.failedFuture(e);
        }
        DynamicBatcher.Arrival arrival = loaded.batcher().expect();
        R request;
        InferenceJob job;
        try {
            request = parser.apply(loaded);
            job = RequestValidator.toJob(model, loaded.signature(), request);
        } catch (RuntimeException e) {
            arrival.abandon();
            loaded.release();
            metrics.requestDone(protocol, loaded, e, System.nanoTime() - start, null);
            return CompletableFuture.failedFuture(e);
        }
        CompletionStage<Void> charged = charges.charge(model, job.items(), elements(job));
        CompletionStage<InferenceResult> answered;
        if (charged.toCompletableFuture().isDone() && !charged.toCompletableFuture().isCompletedExceptionally()) {
            answered = submit(arrival, job);
        } else {
            answered = charged.handle((ignored, refused) -> refused).thenCompose(refused -> {
                if (refused != null) {
                    arrival.abandon();
                    return CompletableFuture.failedFuture(refused);
                }
                return submit(arrival, job);
            });
        }
        return answered.handle((result, failure) -> {
            loaded.release();
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            metrics.requestDone(protocol, loaded, cause, System.nanoTime() - start, result);
            if (cause != null) {
                throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
            }
            ServedInference<R> served = new ServedInference<>(loaded.name(), loaded.version(), request,
                    outputs(loaded, result));
            log.record(protocol, requestId, served);
            timeline.predictionServed();
            return served;
        });
    }

    private static CompletionStage<InferenceResult> submit(DynamicBatcher.Arrival arrival, InferenceJob job) {
        // an event-loop thread must never run the model; a worker thread (Funqy's, say) may, when the model is idle
        boolean callerMayBlock = !Context.isOnEventLoopThread();
        return arrival.submit(job, callerMayBlock);
    }

    private static long elements(InferenceJob job) {
        long elements = 0;
        for (Tensor input : job.inputs().values()) {
            elements += input.elementCount();
        }
        return elements;
    }

    private static List<Tensor> outputs(LoadedModel model, InferenceResult result) {
        List<Tensor> outputs = new ArrayList<>(result.outputs().size());
        for (TensorSpec spec : model.signature().outputs()) {
            Tensor tensor = result.outputs().get(spec.onnxName());
            if (tensor != null) {
                outputs.add(tensor.renamed(spec.name()));
            }
        }
        return outputs;
    }
}
