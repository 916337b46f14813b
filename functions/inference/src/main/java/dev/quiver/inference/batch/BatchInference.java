package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.events.inference.ShardRequested;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectKeys;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Runs the rows of one object version through a model ({@link RowRunner}) and stores the results, the errors, then a
 * completion record, each whole or not at all. Keys follow from the input's identity and version, so a redelivered
 * notification finds the completion record and changes nothing, a new version is processed anew, and a crash midway
 * leaves no completion record, only objects that the retry overwrites with the same content. Across replicas, a claim
 * ({@link BatchClaims}) keeps a second replica from starting on a version under way, and the completion record is
 * written only where none is, so one version gets one completion event. An object larger than its rule's
 * {@code shard-size} is planned into shards ({@link ShardPlanner}) that go to the broker, or run here in parallel
 * when there is none ({@link ShardWork}), and whose results are merged into the same objects.
 */
@ApplicationScoped
public class BatchInference {

    private static final Logger LOG = Logger.getLogger(BatchInference.class);

    private final ModelRegistry registry;
    private final BucketStores stores;
    private final BatchClaims claims;
    private final RowRunner runner;
    private final ShardPlanner planner;
    private final ShardWork shards;
    private final ShardDispatch dispatch;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<String, CompletableFuture<BatchOutcome>> running = new ConcurrentHashMap<>();

    public BatchInference(ModelRegistry registry, BucketStores stores, BatchClaims claims, RowRunner runner,
                          ShardWork shards, ShardDispatch dispatch, ObjectMapper mapper, Clock clock,
                          MeterRegistry meters) {
        this.registry = registry;
        this.stores = stores;
        this.claims = claims;
        this.runner = runner;
        this.planner = new ShardPlanner(mapper);
        this.shards = shards;
        this.dispatch = dispatch;
        this.mapper = mapper;
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * Processes the object version once, even when notifications for it arrive together; blocks, so never on an
     * event loop. {@link BatchOutcome#fresh()} tells whether this call did the work.
     */
    public BatchOutcome run(ObjectCreated object, BatchRule rule) {
        // a notification without a version is pinned to the one the store has now, which also proves it exists
        Optional<StoredObject> current = object.version().isEmpty() ? Optional.of(current(object))
                : Optional.empty();
        String version = current.map(StoredObject::version).orElse(object.version());
        String identity = stores.locate(object.provider(), object.bucket(), object.key()) + "#" + version;
        CompletableFuture<BatchOutcome> mine = new CompletableFuture<>();
        CompletableFuture<BatchOutcome> first = running.putIfAbsent(identity, mine);
        if (first != null) {
            BatchOutcome theirs = first.join();
            return new BatchOutcome(theirs.completed(), false, theirs.pendingShards());
        }
        try {
            BatchOutcome outcome = process(object, version, current, rule);
            mine.complete(outcome);
            return outcome;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(identity, mine);
        }
    }

    private BatchOutcome process(ObjectCreated object, String version, Optional<StoredObject> current,
                                 BatchRule rule) {
        ObjectStore output = stores.bucket(object.provider(), rule.outputBucket());
        BatchKeys keys = BatchKeys.of(rule, object.key(), version);
        // the longest key of its results: the errors beside them, under a model version of up to 19 digits
        requireKeyFits(keys.errors("9".repeat(19)), object, version);
        Optional<BatchCompleted> done = readDone(output, keys.done());
        if (done.isPresent()) {
            LOG.infof("batch %s version %s: already processed, results at %s", object.key(), version,
                    done.get().output());
            return new BatchOutcome(done.get(), false, 0);
        }
        ObjectStore input = stores.bucket(object.provider(), object.bucket());
        // a key naming a folder, or an object deleted since, can never be read: refused before any claim is taken
        StoredObject head = current.isPresent() ? current.get() : input.head(object.key())
                .orElseThrow(() -> missing(object));
        String what = "batch " + object.key() + " version " + version;
        try (BatchClaims.Held claim = claims.claim(output, keys.claim(), what)) {
            if (rule.shardSize().isPresent() && rule.shardSize().get().mayExceed(head.size())) {
                Optional<BatchOutcome> sharded = sharded(object, version, rule, input, output, keys, what);
                if (sharded.isPresent()) {
                    return sharded.get();
                }
            }
            return processClaimed(object, version, rule, output, keys);
        }
    }

    /**
     * Plans the object's shards (or reads the plan a crashed replica wrote) and hands them to the broker, or runs them
     * here; empty when the object is one shard, which runs as any object does.
     */
    private Optional<BatchOutcome> sharded(ObjectCreated object, String version, BatchRule rule, ObjectStore input,
                                           ObjectStore output, BatchKeys keys, String what) {
        ShardPlan plan;
        try {
            plan = readPlan(output, keys).orElse(null);
            if (plan == null) {
                plan = planner.plan(input, object.key(), rule, rule.shardSize().get(), clock.instant());
                if (plan.shards().size() == 1) {
                    return Optional.empty();
                }
                Path file = Files.createTempFile("quiver-plan", ".json");
                try {
                    Files.write(file, mapper.writeValueAsBytes(plan));
                    output.putIfAbsent(keys.plan(), file, "application/json");
                } finally {
                    Files.deleteIfExists(file);
                }
                Counter.builder("quiver_batch_shards_planned_total").description("shards stored objects were split into")
                        .tag("model", rule.model()).register(meters).increment(plan.shards().size());
            }
        } catch (NoSuchObjectException e) {
            throw missing(object);
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": cannot store its shard plan: " + e.getMessage(), e);
        }
        String location = stores.locate(object.provider(), object.bucket(), object.key());
        List<ShardRequested> requests = new ArrayList<>();
        for (int i = 0; i < plan.shards().size(); i++) {
            ShardPlan.Shard shard = plan.shards().get(i);
            requests.add(new ShardRequested(location, object.bucket(), object.key(), version,
                    object.provider().name(), i, plan.shards().size(), shard.from(), shard.to(), shard.firstLine(),
                    plan.header()));
        }
        LOG.infof("%s: %d bytes in %d shards", what, plan.size(), requests.size());
        if (dispatch.toBroker()) {
            for (ShardRequested request : requests) {
                // a shard done or under way needs no second event; a redelivered notification sends only the others
                if (output.head(keys.shardDone(request.shard())).isEmpty()
                        && output.head(keys.shardClaim(request.shard())).isEmpty()) {
                    dispatch.send(request);
                }
            }
            return Optional.of(new BatchOutcome(null, true, requests.size()));
        }
        return Optional.of(runHere(output, keys, rule, requests, what));
    }

    /** Without a broker, the shards run on this replica's threads at once, through the same batcher. */
    private BatchOutcome runHere(ObjectStore output, BatchKeys keys, BatchRule rule, List<ShardRequested> requests,
                                 String what) {
        int threads = Math.min(requests.size(), Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<Future<Optional<BatchCompleted>>> futures = new ArrayList<>();
        try (ExecutorService workers = Executors.newFixedThreadPool(threads,
                Thread.ofPlatform().daemon().name("quiver-shard-", 0).factory())) {
            for (ShardRequested request : requests) {
                futures.add(workers.submit(() -> shards.run(request, rule)));
            }
            Optional<BatchCompleted> merged = Optional.empty();
            for (Future<Optional<BatchCompleted>> future : futures) {
                Optional<BatchCompleted> completed = future.get();
                merged = completed.isPresent() ? completed : merged;
            }
            if (merged.isPresent()) {
                return new BatchOutcome(merged.get(), true, 0);
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause
                    : new IllegalStateException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
        return readDone(output, keys.done()).map(completed -> new BatchOutcome(completed, false, 0))
                .orElseThrow(() -> InferenceException.unavailable(what + ": its shards are done but another "
                        + "replica is merging them; retry later", Duration.ofSeconds(30)));
    }

    private static void requireKeyFits(String longest, ObjectCreated object, String version) {
        try {
            ObjectKeys.validate(longest);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException(InvalidNotificationException.BAD_KEY, "notification: object "
                    + InferenceException.shown(object.key())
                    + " version " + InferenceException.shown(version) + " cannot name its results: "
                    + InferenceException.shown(e.getMessage()));
        }
    }

    private BatchOutcome processClaimed(ObjectCreated object, String version, BatchRule rule, ObjectStore output,
                                        BatchKeys keys) {
        Path results = null;
        Path errors = null;
        try {
            results = Files.createTempFile("quiver-results", ".jsonl");
            errors = Files.createTempFile("quiver-errors", ".jsonl");
            RowRunner.Counts counts;
            try (InputStream in = stores.bucket(object.provider(), object.bucket()).open(object.key())) {
                counts = runner.run(in, rule, 0, results, errors);
            }
            String modelVersion = counts.modelVersion().isEmpty() ? servedVersion(rule) : counts.modelVersion();
            output.put(keys.results(modelVersion), results, "application/jsonl");
            output.put(keys.errors(modelVersion), errors, "application/jsonl");
            BatchCompleted completed = new BatchCompleted(locate(object, object.bucket(), object.key()), version,
                    rule.model(), modelVersion, locate(object, rule.outputBucket(), keys.results(modelVersion)),
                    locate(object, rule.outputBucket(), keys.errors(modelVersion)), counts.rows(),
                    counts.succeeded(), counts.failed());
            Files.write(results, mapper.writeValueAsBytes(completed));
            if (output.putIfAbsent(keys.done(), results, "application/json").isEmpty()) {
                // a replica that took over a claim it thought stale finished first: its completion stands
                BatchCompleted theirs = readDone(output, keys.done()).orElseThrow(() -> new IllegalStateException(
                        "completion record " + keys.done() + " exists but cannot be read"));
                LOG.infof("batch %s version %s: completed meanwhile by another replica", object.key(), version);
                return new BatchOutcome(theirs, false, 0);
            }
            LOG.infof("batch %s version %s: %d rows, %d answered by %s version %s, %d failed", object.key(), version,
                    counts.rows(), counts.succeeded(), rule.model(), modelVersion, counts.failed());
            return new BatchOutcome(completed, true, 0);
        } catch (NoSuchObjectException e) {
            throw new InvalidNotificationException(InvalidNotificationException.NO_OBJECT, "object " + object.key()
                    + " in bucket " + object.bucket() + " is gone: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + object.key() + ": " + e.getMessage(), e);
        } finally {
            delete(results);
            delete(errors);
        }
    }

    private Optional<BatchCompleted> readDone(ObjectStore output, String key) {
        return read(output, key, BatchCompleted.class, "completion record");
    }

    private Optional<ShardPlan> readPlan(ObjectStore output, BatchKeys keys) {
        return read(output, keys.plan(), ShardPlan.class, "shard plan");
    }

    private <T> Optional<T> read(ObjectStore output, String key, Class<T> type, String what) {
        if (output.head(key).isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = output.open(key)) {
            return Optional.of(mapper.readValue(in, type));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + key + ": " + e.getMessage(), e);
        }
    }

    private StoredObject current(ObjectCreated object) {
        return stores.bucket(object.provider(), object.bucket()).head(object.key())
                .orElseThrow(() -> missing(object));
    }

    /** Where an object in the store of the notified object's provider is. */
    private String locate(ObjectCreated object, String bucket, String key) {
        return stores.locate(object.provider(), bucket, key);
    }

    private static InvalidNotificationException missing(ObjectCreated object) {
        return new InvalidNotificationException(InvalidNotificationException.NO_OBJECT, "object "
                + InferenceException.shown(object.key()) + " in bucket " + object.bucket() + ": does not exist (a key "
                + "naming a folder names no object)");
    }

    /** The version that would have answered: an object without rows still has its results under a model version. */
    private String servedVersion(BatchRule rule) {
        LoadedModel model = registry.acquire(rule.model(), rule.version());
        try {
            return Long.toString(model.version());
        } finally {
            model.release();
        }
    }

    /**
     * The completion of an object version, and whether this run produced it or found it done; or, for an object
     * whose shards went to the broker, no completion yet and how many shards it was split into.
     *
     * @param completed     the completion, null while shards are pending
     * @param fresh         whether this run did the work (or handed out the shards)
     * @param pendingShards the shards handed to the broker, 0 when the object is complete
     */
    public record BatchOutcome(BatchCompleted completed, boolean fresh, int pendingShards) {
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("cannot delete temporary file %s: %s", file, e.getMessage());
            }
        }
    }
}
