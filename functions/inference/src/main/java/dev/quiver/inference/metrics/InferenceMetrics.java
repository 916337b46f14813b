package dev.quiver.inference.metrics;

import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.BatchObserver;
import dev.quiver.inference.batching.FlushReason;
import dev.quiver.inference.batching.InferenceResult;
import dev.quiver.inference.modelconfig.VersionState;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.routing.RouteKind;
import dev.quiver.inference.runtime.LoadedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The inference function's Prometheus metrics. Every distribution is a histogram (buckets), so percentiles can be
 * aggregated across replicas. Label values are bounded: an unknown model name is recorded as {@code _unknown}, never
 * as the name a caller sent.
 *
 * <ul>
 *   <li>{@code quiver_inference_request_seconds{model,version,protocol,status}}: request latency</li>
 *   <li>{@code quiver_inference_queue_seconds{model,version}}: wait for a batch to start</li>
 *   <li>{@code quiver_inference_compute_seconds{model,version}}: ONNX Runtime time per run</li>
 *   <li>{@code quiver_inference_batch_items{model,version}}: items per run</li>
 *   <li>{@code quiver_inference_batch_flushes_total{model,version,reason}}: why runs started</li>
 *   <li>{@code quiver_model_versions{state}}: versions per lifecycle state; {@code state="READY"} is models loaded</li>
 *   <li>{@code quiver_inference_deadline_exceeded_total{model}}: requests whose deadline passed before their model
 *   answered; {@code quiver_inference_deadline_dropped_total{model,version}}: those of them dropped from the batch
 *   queue before a run took them; {@code quiver_inference_deadline_stopped_total{model,version}}: those whose run was
 *   stopped once every request in it was past its deadline</li>
 *   <li>{@code quiver_inference_fallbacks_total{model,reason,answered_by}}: requests the fallback chain took, by why
 *   and by the kind of step that answered ({@code none} when no step could)</li>
 *   <li>{@code quiver_inference_output_check_failures_total{model,version}}: answers that failed the output checks</li>
 * </ul>
 */
@ApplicationScoped
public class InferenceMetrics {

    private static final String UNKNOWN = "_unknown";
    private static final Duration MIN_LATENCY = Duration.ofNanos(50_000);
    private static final Duration MAX_LATENCY = Duration.ofSeconds(60);

    private final MeterRegistry meters;
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Map<ModelKey, ModelMeters> modelMeters = new ConcurrentHashMap<>();
    private final List<Gauge> gauges = new ArrayList<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public InferenceMetrics(MeterRegistry meters, ModelRegistry registry) {
        this.meters = meters;
        for (VersionState state : VersionState.values()) {
            gauges.add(Gauge.builder("quiver.model.versions", registry, r -> r.models().values().stream()
                            .mapToLong(m -> m.versions().values().stream().filter(v -> v.state() == state).count())
                            .sum())
                    .description("Model versions by lifecycle state")
                    .tag("state", state.name())
                    .register(meters));
        }
    }

    /** A registry outlives the app on a restart in dev mode and tests; a gauge left there would read a dead app. */
    @PreDestroy
    void removeGauges() {
        gauges.forEach(meters::remove);
    }

    public BatchObserver batchObserver(String model, long version) {
        ModelMeters own = meters(model, Long.toString(version));
        Counter dropped = counter("quiver.inference.deadline.dropped", "Requests dropped from the batch queue because "
                + "their deadline passed before a run took them", "model", model, "version", Long.toString(version));
        Counter stopped = counter("quiver.inference.deadline.stopped", "Requests whose run was stopped because every "
                + "request in it was past its deadline", "model", model, "version", Long.toString(version));
        return new BatchObserver() {
            @Override
            public void batchRan(int items, int requests, FlushReason reason, long computeNanos) {
                own.batchItems.record(items);
                own.compute.record(computeNanos, TimeUnit.NANOSECONDS);
                own.flushes.get(reason).increment();
            }

            @Override
            public void expired(int requests) {
                dropped.increment(requests);
            }

            @Override
            public void stopped(int requests) {
                stopped.increment(requests);
            }
        };
    }

    public void requestDone(String protocol, LoadedModel model, Throwable failure, long nanos,
                            InferenceResult result) {
        String version = Long.toString(model.version());
        if (result != null) {
            meters(model.name(), version).queue.record(result.queueNanos(), TimeUnit.NANOSECONDS);
        }
        request(protocol, model.name(), version, status(failure)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request that failed before a model version was chosen (unknown model or version, none ready). */
    public void requestFailed(String protocol, String knownModel, Throwable failure, long nanos) {
        String model = knownModel == null ? UNKNOWN : knownModel;
        request(protocol, model, "", status(failure)).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void deadlineExceeded(String model) {
        counter("quiver.inference.deadline.exceeded", "Requests whose deadline passed before their model answered",
                "model", model).increment();
    }

    /** @param answeredBy the kind of step that answered, {@code none} when none could */
    public void fallback(String model, String reason, String answeredBy) {
        counter("quiver.inference.fallbacks", "Requests answered by (or handed to) the model's fallback chain",
                "model", model, "reason", reason, "answered_by", answeredBy).increment();
    }

    /** A request whose version was chosen by routing, or named by the caller; {@code route} as {@link RouteKind}. */
    public void routed(LoadedModel model, RouteKind route) {
        counter("quiver.inference.routed.requests", "Requests by the version that took them and how it was chosen",
                "model", model.name(), "version", Long.toString(model.version()), "route", route.label())
                .increment();
    }

    public void outputCheckFailed(LoadedModel model) {
        counter("quiver.inference.output.check.failures", "Answers that failed the version's output checks",
                "model", model.name(), "version", Long.toString(model.version())).increment();
    }

    private Counter counter(String name, String description, String... tags) {
        List<String> key = new ArrayList<>(tags.length + 1);
        key.add(name);
        key.addAll(List.of(tags));
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags)
                .register(meters));
    }

    private static String status(Throwable failure) {
        if (failure == null) {
            return "200";
        }
        return failure instanceof InferenceException e ? Integer.toString(e.kind().status()) : "500";
    }

    private Timer request(String protocol, String model, String version, String status) {
        return requestTimers.computeIfAbsent(new RequestKey(protocol, model, version, status), key ->
                Timer.builder("quiver.inference.request")
                        .description("Inference request latency, from arrival to answer")
                        .tags("protocol", protocol, "model", model, "version", version, "status", status)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(MIN_LATENCY)
                        .maximumExpectedValue(MAX_LATENCY)
                        .register(meters));
    }

    private ModelMeters meters(String model, String version) {
        return modelMeters.computeIfAbsent(new ModelKey(model, version), key -> new ModelMeters(meters, model, version));
    }

    private record RequestKey(String protocol, String model, String version, String status) {
    }

    private record ModelKey(String model, String version) {
    }

    private static final class ModelMeters {
        final Timer queue;
        final Timer compute;
        final DistributionSummary batchItems;
        final Map<FlushReason, Counter> flushes = new EnumMap<>(FlushReason.class);

        ModelMeters(MeterRegistry meters, String model, String version) {
            queue = Timer.builder("quiver.inference.queue")
                    .description("Time a request waited for its batch to start")
                    .tags("model", model, "version", version)
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                    .maximumExpectedValue(MAX_LATENCY)
                    .register(meters);
            compute = Timer.builder("quiver.inference.compute")
                    .description("ONNX Runtime time per batch run")
                    .tags("model", model, "version", version)
                    .publishPercentileHistogram().minimumExpectedValue(MIN_LATENCY)
                    .maximumExpectedValue(MAX_LATENCY)
                    .register(meters);
            batchItems = DistributionSummary.builder("quiver.inference.batch.items")
                    .description("Items per ONNX Runtime run")
                    .tags("model", model, "version", version)
                    .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
                    .register(meters);
            for (FlushReason reason : FlushReason.values()) {
                flushes.put(reason, Counter.builder("quiver.inference.batch.flushes")
                        .description("Batch runs by the reason they started")
                        .tags("model", model, "version", version, "reason", reason.name().toLowerCase())
                        .register(meters));
            }
        }
    }
}
