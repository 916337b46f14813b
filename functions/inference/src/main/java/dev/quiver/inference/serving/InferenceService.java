package dev.quiver.inference.serving;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdmissionCharges;
import dev.quiver.admission.http.RequestIds;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.alerts.VersionAlerts;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.batching.InferenceJob;
import dev.quiver.inference.batching.InferenceResult;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.deadline.RequestTimeouts;
import dev.quiver.inference.drift.DriftMonitor;
import dev.quiver.inference.fallback.FallbackNote;
import dev.quiver.inference.fallback.FallbackReason;
import dev.quiver.inference.fallback.FallbackRunner;
import dev.quiver.inference.metrics.InferenceMetrics;
import dev.quiver.inference.monitoring.ModelMonitoring;
import dev.quiver.inference.predictionlog.PredictionLog;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.routing.RouteKind;
import dev.quiver.inference.routing.RoutingKeys;
import dev.quiver.inference.routing.RoutingTable;
import dev.quiver.inference.rollout.ReplicaStatistics;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.shadow.ShadowScorer;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.startup.StartupTimeline;
import dev.quiver.inference.tensor.Tensor;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Serves one request for every protocol: takes a lease on the model version, parses and validates the request
 * against that version's signature, charges the caller what the request costs under its plan, hands it to the
 * version's batcher with its deadline and releases the lease when the run is done. The answer is checked
 * (NaN, infinity, declared ranges); a request past its deadline, a fault of the model or an answer that fails its
 * checks goes to the version's fallback chain, and without one (or when no step answers) to the caller as a 504 or
 * 500. Records the request metrics on the way out.
 */
@ApplicationScoped
public class InferenceService {

    private final ModelRegistry registry;
    private final InferenceMetrics metrics;
    private final AdmissionCharges charges;
    private final PredictionLog log;
    private final StartupTimeline timeline;
    private final DeadlineTimer timer;
    private final FallbackRunner fallbacks;
    private final VersionAlerts alerts;
    private final DriftMonitor drift;
    private final ShadowScorer shadows;
    private final ModelMonitoring monitoring;
    private final ReplicaStatistics rollouts;
    private final boolean checkOutputs;

    public InferenceService(ModelRegistry registry, InferenceMetrics metrics, AdmissionLayer admission,
                            PredictionLog log, StartupTimeline timeline, DeadlineTimer timer,
                            FallbackRunner fallbacks, VersionAlerts alerts, DriftMonitor drift,
                            ShadowScorer shadows, ModelMonitoring monitoring, ReplicaStatistics rollouts,
                            InferenceConfig config) {
        this.registry = registry;
        this.metrics = metrics;
        this.charges = admission.charges();
        this.log = log;
        this.timeline = timeline;
        this.timer = timer;
        this.fallbacks = fallbacks;
        this.alerts = alerts;
        this.drift = drift;
        this.shadows = shadows;
        this.monitoring = monitoring;
        this.rollouts = rollouts;
        this.checkOutputs = config.inference().outputChecks().enabled();
    }

    /**
     * Serves a caller's request, logged under the HTTP request's id, within its model's timeout: the version or alias
     * it names, or the version the model's routing gives its sticky key.
     */
    public <R extends InferenceRequest> CompletionStage<ServedInference<R>> infer(
            String protocol, String model, Optional<String> version, RoutingKeys keys, Function<LoadedModel, R> parser) {
        return infer(protocol, model, version, Optional.empty(), keys, parser);
    }

    /**
     * Serves a caller's request within its model's timeout, or the shorter one the caller asked for.
     *
     * @param askedTimeout the timeout the request's header asks for
     * @param keys         the request's sticky keys, for the model's routing weights
     */
    public <R extends InferenceRequest> CompletionStage<ServedInference<R>> infer(
            String protocol, String model, Optional<String> version, Optional<Duration> askedTimeout,
            RoutingKeys keys, Function<LoadedModel, R> parser) {
        return serve(protocol, RequestIds.current(), model, version, Optional.of(askedTimeout), keys, parser);
    }

    /**
     * Serves a request within its model's timeout under an id of the caller's (a CloudEvent's id): the id its
     * prediction is logged and its answer kept for a label under.
     *
     * @param keys the request's sticky keys, for the model's routing weights
     */
    public <R extends InferenceRequest> CompletionStage<ServedInference<R>> inferAs(String protocol,
            String requestId, String model, Optional<String> version, RoutingKeys keys,
            Function<LoadedModel, R> parser) {
        return serve(protocol, requestId, model, version, Optional.of(Optional.empty()), keys, parser);
    }

    /**
     * Serves a request without a deadline (the rows of a file, which are not waited for by a caller), on the version
     * it names or the latest: the routing weights are for callers, and a file's rows stay on one version.
     *
     * @param protocol  names the entry point in metrics and the prediction log ({@code v2}, {@code v1}, ...)
     * @param requestId the id the prediction is logged under
     * @param parser    reads the request once the version is known; may throw {@link InferenceException}
     */
    public <R extends InferenceRequest> CompletionStage<ServedInference<R>> infer(String protocol, String requestId,
            String model, Optional<String> version, Function<LoadedModel, R> parser) {
        return serve(protocol, requestId, model, version, Optional.empty(), null, parser);
    }

    /** @param askedTimeout empty for no deadline at all; else the header's timeout, if any, under the model's */
    private <R extends InferenceRequest> CompletionStage<ServedInference<R>> serve(String protocol, String requestId,
            String model, Optional<String> version, Optional<Optional<Duration>> askedTimeout, RoutingKeys keys,
            Function<LoadedModel, R> parser) {
        long start = System.nanoTime();
        LoadedModel loaded;
        Optional<RoutingTable.ShadowRoute> shadow;
        try {
            ModelRegistry.Routed routed = registry.route(model, version, keys);
            loaded = routed.model();
            shadow = routed.routing().flatMap(RoutingTable::shadow);
            if (routed.route() != RouteKind.LATEST || routed.routing().isPresent()) {
                metrics.routed(loaded, routed.route());
            }
        } catch (InferenceException e) {
            metrics.requestFailed(protocol, registry.models().containsKey(model) ? model : null, e,
                    System.nanoTime() - start);
            return CompletableFuture.failedFuture(e);
        }
        DynamicBatcher.Arrival arrival = loaded.batcher().expect();
        R request;
        InferenceJob job;
        long deadline;
        try {
            request = parser.apply(loaded);
            job = RequestValidator.toJob(model, loaded.signature(), request);
            deadline = deadline(start, loaded, request, askedTimeout);
        } catch (RuntimeException e) {
            arrival.abandon();
            loaded.release();
            metrics.requestDone(protocol, loaded, e, System.nanoTime() - start, null);
            return CompletableFuture.failedFuture(e);
        }
        CompletionStage<Void> charged = charges.charge(model, job.items(), elements(job));
        CompletableFuture<InferenceResult> work;
        if (charged.toCompletableFuture().isDone() && !charged.toCompletableFuture().isCompletedExceptionally()) {
            work = submit(arrival, job, deadline);
        } else {
            work = charged.handle((ignored, refused) -> refused).thenCompose(refused -> {
                if (refused != null) {
                    arrival.abandon();
                    return CompletableFuture.<InferenceResult>failedFuture(refused);
                }
                return submit(arrival, job, deadline);
            }).toCompletableFuture();
        }
        // the lease follows the run, not the caller: a version is closed only once no run of it can still go on
        work.whenComplete((result, failure) -> loaded.release());
        Supplier<InferenceException> late = () -> InferenceException.deadlineExceeded("model " + model + " version "
                + loaded.version() + " did not answer within " + (deadline - start) / 1_000_000 + " ms");
        // a run done already (an idle model's, on the caller's thread) has met its deadline or passed it: no timer
        CompletionStage<InferenceResult> answered = deadline == DynamicBatcher.NO_DEADLINE || work.isDone() ? work
                : timer.within(work, deadline, late);
        int items = job.items();
        return answered.handle((result, failure) -> {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            // the timer's, a run stopped at the deadline, a request left in the queue past it: one answer
            if (deadline != DynamicBatcher.NO_DEADLINE && cause instanceof InferenceException passed
                    && passed.kind() == InferenceException.Kind.DEADLINE_EXCEEDED) {
                cause = late.get();
            }
            FallbackReason reason = null;
            if (cause == null && checkOutputs) {
                String violation = loaded.outputChecks().violation(result.outputs());
                checked(loaded, violation);
                if (violation != null) {
                    reason = FallbackReason.OUTPUT_CHECK;
                    cause = InferenceException.outputRefused("model " + model + " version " + loaded.version()
                            + " gave an answer that failed its output checks: " + violation);
                }
            } else if (cause != null) {
                reason = fallbackReason(loaded, cause);
            }
            if (reason == null || loaded.fallback().isEmpty()) {
                ServedInference<R> served = finish(protocol, requestId, start, loaded, request, result, cause, reason,
                        null);
                // the copy is handed over once the answer is computed; the candidate runs on a shadow thread
                shadow.ifPresent(route -> shadows.offer(route, loaded, served.request(), served.outputs(),
                        System.nanoTime() - start));
                return CompletableFuture.completedFuture(served);
            }
            return fallback(protocol, requestId, start, loaded, request, items, reason, cause);
        }).thenCompose(Function.identity());
    }

    private <R extends InferenceRequest> CompletionStage<ServedInference<R>> fallback(String protocol,
            String requestId, long start, LoadedModel loaded, R request, int items, FallbackReason reason,
            Throwable cause) {
        return fallbacks.answer(loaded, request, items).handle((answer, failure) -> {
            metrics.fallback(loaded.name(), reason.label(), answer == null ? "none" : answer.kind());
            if (answer == null) {
                return finish(protocol, requestId, start, loaded, request, null, cause, reason, null);
            }
            return finish(protocol, requestId, start, loaded, request, null, null, reason,
                    new Fallback(new FallbackNote(reason, answer.answeredBy()), answer.outputs()));
        });
    }

    /** @param reason why the fallback chain was (or, without one, would have been) asked to answer; null if not */
    private <R extends InferenceRequest> ServedInference<R> finish(String protocol, String requestId, long start,
            LoadedModel loaded, R request, InferenceResult result, Throwable cause, FallbackReason reason,
            Fallback fallback) {
        long nanos = System.nanoTime() - start;
        metrics.requestDone(protocol, loaded, cause, nanos, result);
        rollouts.served(loaded.name(), loaded.version(), cause, fallback != null,
                reason == FallbackReason.OUTPUT_CHECK, nanos);
        if (cause != null) {
            throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
        }
        ServedInference<R> served;
        if (fallback == null) {
            drift.served(loaded, request.inputs());
            served = new ServedInference<>(loaded.name(), loaded.version(), request, outputs(loaded, result));
            // a fallback's answer is not the version's: it tells nothing about what the version predicts
            monitoring.served(requestId, loaded, served.outputs());
        } else {
            served = new ServedInference<>(loaded.name(), loaded.version(), request, fallback.outputs(),
                    fallback.note());
        }
        log.record(protocol, requestId, served);
        timeline.predictionServed();
        return served;
    }

    /** Counts an answer's check; the answer that takes its version out of service raises the alert. */
    private void checked(LoadedModel loaded, String violation) {
        if (violation != null) {
            metrics.outputCheckFailed(loaded);
        }
        String last = loaded.answerChecked(violation);
        if (last != null) {
            alerts.takenOutOfService(loaded, loaded.failureWindow().failures(), loaded.failureWindow().window(),
                    last);
        }
    }

    /** Whether a failure goes to the fallback chain: a timeout or a fault of ours, never a request's own fault. */
    private FallbackReason fallbackReason(LoadedModel loaded, Throwable cause) {
        if (!(cause instanceof InferenceException e)) {
            return FallbackReason.ERROR;
        }
        return switch (e.kind()) {
            case DEADLINE_EXCEEDED -> {
                metrics.deadlineExceeded(loaded.name());
                yield FallbackReason.TIMEOUT;
            }
            case INTERNAL, UNAVAILABLE -> FallbackReason.ERROR;
            default -> null;
        };
    }

    private static long deadline(long start, LoadedModel loaded, InferenceRequest request,
                                 Optional<Optional<Duration>> askedTimeout) {
        if (askedTimeout.isEmpty()) {
            return DynamicBatcher.NO_DEADLINE;
        }
        Duration timeout = RequestTimeouts.effective(loaded.config().timeout(), askedTimeout.get(),
                RequestTimeouts.fromParameter(request.timeoutParameter()));
        return timeout.isZero() ? DynamicBatcher.NO_DEADLINE : start + timeout.toNanos();
    }

    private static CompletableFuture<InferenceResult> submit(DynamicBatcher.Arrival arrival, InferenceJob job,
                                                             long deadline) {
        // an event-loop thread must never run the model; a worker thread (Funqy's, say) may, when the model is idle
        boolean callerMayBlock = !Context.isOnEventLoopThread();
        return arrival.submit(job, callerMayBlock, deadline);
    }

    /** What the fallback chain answered. */
    private record Fallback(FallbackNote note, List<Tensor> outputs) {
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
