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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.jboss.logging.Logger;

/**
 * Runs a copy of a share of a model's requests on its shadow candidate, off the answer's path: a copy is put in its
 * model's line of a bounded queue once the serving answer is computed (an offer, nothing more, on the caller's
 * thread), a few low-priority shadow threads take the models' copies in turn and run each on the candidate's own
 * batcher, and its answer is compared with the serving one. A full line drops the copy and counts it; a failing
 * candidate is counted; neither ever reaches the caller.
 */
@ApplicationScoped
public class ShadowScorer {

    private static final Logger LOG = Logger.getLogger(ShadowScorer.class);

    private final ModelRegistry registry;
    private final MeterRegistry meters;
    private final Duration timeout;
    private final ShadowQueue queue;
    private final List<Thread> threads;
    private final Map<Pair, ShadowStats> stats = new ConcurrentHashMap<>();

    public ShadowScorer(ModelRegistry registry, MeterRegistry meters, InferenceConfig config) {
        this.registry = registry;
        this.meters = meters;
        InferenceConfig.Shadow shadow = config.inference().shadow();
        this.timeout = shadow.timeout();
        this.queue = new ShadowQueue(shadow.queue());
        this.threads = IntStream.rangeClosed(1, shadow.threads()).mapToObj(n -> Thread.ofPlatform()
                .name("quiver-shadow-" + n).daemon().priority(Thread.MIN_PRIORITY).start(this::runCopies)).toList();
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
        if (queue.offer(served.name(),
                () -> run(shadow, served.name(), pair, request, outputs.getFirst(), servingNanos))) {
            pair.copied();
        } else {
            pair.dropped();
        }
    }

    /**
     * A shadow thread's life: the next copy whose turn it is, until the function stops. A copy that fails in a way
     * its own handling did not foresee is logged and the thread goes on, so the threads never run out.
     */
    private void runCopies() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Runnable copy = queue.take();
                try {
                    copy.run();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "a shadow copy failed: %s", e.getMessage());
                }
            }
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
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

    /** What shadow scoring of a model has shown; empty results when nothing was copied yet. */
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
        threads.forEach(Thread::interrupt);
    }

    private record Pair(String model, long serving, long candidate) implements Comparable<Pair> {
        @Override
        public int compareTo(Pair other) {
            int byServing = Long.compare(serving, other.serving);
            return byServing != 0 ? byServing : Long.compare(candidate, other.candidate);
        }
    }
}
