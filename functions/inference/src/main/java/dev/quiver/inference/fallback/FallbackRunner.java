package dev.quiver.inference.fallback;

import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.batching.InferenceJob;
import dev.quiver.inference.batching.InferenceResult;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.serving.InferenceRequest;
import dev.quiver.inference.serving.RequestValidator;
import dev.quiver.inference.tensor.Tensor;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Walks a version's fallback chain for a request it could not answer: each step in order until one answers. A step
 * that runs a model (the previous version, another model) is bounded by that model's own timeout and its answer passes
 * that model's output checks; a step that cannot answer (none ready, an input it lacks, a key without an answer) hands
 * over to the next.
 */
@ApplicationScoped
public class FallbackRunner {

    private static final Logger LOG = Logger.getLogger(FallbackRunner.class);

    private final ModelRegistry registry;
    private final DeadlineTimer timer;

    public FallbackRunner(ModelRegistry registry, DeadlineTimer timer) {
        this.registry = registry;
        this.timer = timer;
    }

    /** @return the first step's answer, or null when no step could answer */
    public CompletionStage<FallbackAnswer> answer(LoadedModel failed, InferenceRequest request, int items) {
        return step(failed, request, items, 0);
    }

    private CompletionStage<FallbackAnswer> step(LoadedModel failed, InferenceRequest request, int items, int index) {
        List<FallbackStep> steps = failed.fallback();
        if (index == steps.size()) {
            return CompletableFuture.completedFuture(null);
        }
        FallbackStep step = steps.get(index);
        CompletionStage<FallbackAnswer> attempt;
        try {
            attempt = switch (step) {
                case FallbackStep.PreviousVersion ignored -> previousVersion(failed, request);
                case FallbackStep.OtherModel other -> otherModel(failed, other.name(), request);
                case FallbackStep.Precomputed precomputed -> precomputed(precomputed.answers(), request, items);
            };
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        return attempt.handle((answer, failure) -> {
            if (answer != null) {
                return CompletableFuture.completedFuture(answer);
            }
            LOG.debugf("model %s version %d: fallback[%d] %s did not answer: %s", failed.name(), failed.version(),
                    index, step.kind(), failure == null ? "no answer" : failure.getMessage());
            return step(failed, request, items, index + 1);
        }).thenCompose(Function.identity());
    }

    private CompletionStage<FallbackAnswer> previousVersion(LoadedModel failed, InferenceRequest request) {
        ModelEntry model = registry.model(failed.name());
        Optional<VersionEntry> previous = model.versions().headMap(failed.version(), false).descendingMap().values().stream()
                .filter(VersionEntry::serving).findFirst();
        if (previous.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no earlier version serves"));
        }
        LoadedModel target = registry.acquire(failed.name(), Optional.of(Long.toString(previous.get().version())));
        return run(target, request, "previous_version", "previous_version " + target.version());
    }

    private CompletionStage<FallbackAnswer> otherModel(LoadedModel failed, String name, InferenceRequest request) {
        Optional<String> refused = registry.model(failed.name()).fallbackError();
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(new IllegalStateException(refused.get()));
        }
        LoadedModel target = registry.acquire(name, Optional.empty());
        List<String> wanted = request.outputs().isEmpty() ? failed.signature().outputNames() : request.outputs();
        List<Tensor> inputs = request.inputs().stream()
                .filter(input -> target.signature().input(input.name()).isPresent()).toList();
        InferenceRequest mapped = new MappedRequest(inputs, wanted);
        return run(target, mapped, "model", "model " + target.name() + " version " + target.version());
    }

    private static CompletionStage<FallbackAnswer> precomputed(PrecomputedAnswers answers, InferenceRequest request,
                                                               int items) {
        Map<String, Tensor> inputs = new HashMap<>();
        request.inputs().forEach(input -> inputs.put(input.name(), input));
        return CompletableFuture.completedFuture(answers.answer(inputs, items, request.outputs())
                .map(outputs -> new FallbackAnswer(outputs, answers.kind(), answers.kind())).orElse(null));
    }

    /** Runs the request on a version the caller holds a lease on; the lease is given back when the run is done. */
    private CompletionStage<FallbackAnswer> run(LoadedModel target, InferenceRequest request, String kind,
                                                String answeredBy) {
        DynamicBatcher.Arrival arrival = target.batcher().expect();
        InferenceJob job;
        try {
            job = RequestValidator.toJob(target.name(), target.signature(), request);
        } catch (RuntimeException e) {
            arrival.abandon();
            target.release();
            return CompletableFuture.failedFuture(e);
        }
        Duration timeout = target.config().timeout();
        long deadline = timeout.isZero() ? DynamicBatcher.NO_DEADLINE : System.nanoTime() + timeout.toNanos();
        CompletableFuture<InferenceResult> work = arrival.submit(job, false, deadline);
        work.whenComplete((result, failure) -> target.release());
        CompletionStage<InferenceResult> bounded = deadline == DynamicBatcher.NO_DEADLINE ? work
                : timer.within(work, deadline, () -> InferenceException.deadlineExceeded("fallback " + answeredBy
                + " did not answer within its timeout"));
        return bounded.thenApply(result -> {
            String violation = target.outputChecks().violation(result.outputs());
            if (violation != null) {
                throw InferenceException.outputRefused("fallback " + answeredBy + " failed its output checks: "
                        + violation);
            }
            return new FallbackAnswer(outputs(target, result), kind, answeredBy);
        });
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

    /** The request as another model gets it: the inputs it has, and the outputs the failed model would have given. */
    private record MappedRequest(List<Tensor> inputs, List<String> outputs) implements InferenceRequest {
    }
}
