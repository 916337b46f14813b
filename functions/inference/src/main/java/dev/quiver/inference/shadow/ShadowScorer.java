package dev.quiver.inference.shadow;

import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.batching.InferenceJob;
import dev.quiver.inference.batching.InferenceResult;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.rollout.Tally;
import dev.quiver.inference.routing.RoutingTable;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.serving.InferenceRequest;
import dev.quiver.inference.serving.RequestValidator;
import dev.quiver.inference.tensor.Tensor;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs a copy of a share of a model's requests on its shadow candidate, off the answer's path: a copy is handed to a
 * small bounded pool once the serving answer is computed (a queue offer, nothing more, on the caller's thread), runs
 * on the candidate's own batcher from a shadow thread, and its answer is compared with the serving one. A full queue
 * drops the copy and counts it; a failing candidate is counted; neither ever reaches the caller.
 */
@ApplicationScoped
public class ShadowScorer {

    private static final Logger LOG = Logger.getLogger(ShadowScorer.class);

    private final ModelRegistry registry;
    private final MeterRegistry meters;
    private final Duration timeout;
    private final ThreadPoolExecutor executor;
    private final Map<Pair, ShadowStats> stats = new ConcurrentHashMap<>();

    public ShadowScorer(ModelRegistry registry, MeterRegistry meters, InferenceConfig config) {
        this.registry = registry;
        this.meters = meters;
        InferenceConfig.Shadow shadow = config.inference().shadow();
        this.timeout = shadow.timeout();
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(shadow.threads(), shadow.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, shadow.queue())), runnable -> {
                    Thread thread = new Thread(runnable, "quiver-shadow-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    thread.setPriority(Thread.MIN_PRIORITY);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Copies an answered request to the routing's shadow candidate when the share's draw says so.
     *
     * @param served       the version that answered
     * @param outputs      its outputs, under the names callers use
     * @param servingNanos how long the serving version took to answer
     */
    public void offer(RoutingTable.ShadowRoute shadow, LoadedModel served, InferenceRequest request,
                      List<Tensor> outputs, long servingNanos) {
        if (shadow.version() == served.version() || outputs.isEmpty()
                || ThreadLocalRandom.current().nextDouble() >= shadow.share()) {
            return;
        }
        ShadowStats pair = stats(served.name(), served.version(), shadow.version());
        try {
            executor.execute(() -> run(shadow, served.name(), pair, request, outputs.getFirst(), servingNanos));
            pair.copied();
        } catch (RejectedExecutionException full) {
            pair.dropped();
        }
    }

    private void run(RoutingTable.ShadowRoute shadow, String model, ShadowStats pair, InferenceRequest request,
                     Tensor serving, long servingNanos) {
        LoadedModel candidate;
        try {
            candidate = registry.acquire(model, Optional.of(Long.toString(shadow.version())));
        } catch (RuntimeException notServing) {
            pair.failed();
            return;
        }
        long start = System.nanoTime();
        DynamicBatcher.Arrival arrival = candidate.batcher().expect();
        try {
            InferenceJob job = RequestValidator.toJob(model, candidate.signature(), request);
            InferenceResult result = arrival.submit(job, true, start + timeout.toNanos())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long candidateNanos = System.nanoTime() - start;
            Tensor answer = output(candidate, result, serving.name());
            if (answer == null) {
                pair.failed();
                return;
            }
            pair.compared(ShadowComparison.of(shadow.compare(), serving, answer), servingNanos, candidateNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            pair.failed();
            LOG.debugf("shadow copy of model %s on version %d failed: %s", model, shadow.version(), e.getMessage());
        } finally {
            candidate.release();
        }
    }

    /** The candidate's output under the serving output's public name, else its first output. */
    private static Tensor output(LoadedModel candidate, InferenceResult result, String name) {
        List<Tensor> outputs = new ArrayList<>();
        for (TensorSpec spec : candidate.signature().outputs()) {
            Tensor tensor = result.outputs().get(spec.onnxName());
            if (tensor != null) {
                if (spec.name().equals(name)) {
                    return tensor.renamed(name);
                }
                outputs.add(tensor);
            }
        }
        return outputs.isEmpty() ? null : outputs.getFirst();
    }

    /** What shadow scoring of a model has shown; empty results when nothing was copied yet. */
    /**
     * The rows a candidate version agreed on with the versions it shadowed, of those compared on this replica; empty
     * when none were (not a candidate, or a regressor).
     */
    public Optional<Tally> agreements(String model, long candidate) {
        Tally total = Tally.NONE;
        for (Map.Entry<Pair, ShadowStats> entry : stats.entrySet()) {
            if (entry.getKey().model().equals(model) && entry.getKey().candidate() == candidate) {
                total = total.plus(entry.getValue().agreements());
            }
        }
        return total.trials() == 0 ? Optional.empty() : Optional.of(total);
    }

    public ShadowReport report(String name) {
        ModelEntry model = registry.model(name);
        ShadowReport.InForce inForce = model.routing().flatMap(RoutingTable::shadow)
                .map(s -> new ShadowReport.InForce(Long.toString(s.version()), s.share(),
                        s.compare().name().toLowerCase()))
                .orElse(null);
        List<ShadowReport.Pair> results = stats.entrySet().stream().filter(e -> e.getKey().model().equals(name))
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getValue().report()).toList();
        return new ShadowReport(name, inForce, results);
    }

    private ShadowStats stats(String model, long serving, long candidate) {
        return stats.computeIfAbsent(new Pair(model, serving, candidate),
                pair -> new ShadowStats(meters, model, serving, candidate));
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }

    private record Pair(String model, long serving, long candidate) implements Comparable<Pair> {
        @Override
        public int compareTo(Pair other) {
            int byServing = Long.compare(serving, other.serving);
            return byServing != 0 ? byServing : Long.compare(candidate, other.candidate);
        }
    }
}
