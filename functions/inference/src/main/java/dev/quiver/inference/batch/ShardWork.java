package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.events.inference.ShardRequested;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Runs one shard of an object and, when it is the last to finish, merges them all. A shard is claimed (a renewed
 * claim, as a whole object's is), its rows run through the batcher with the line numbers they have in the whole object,
 * its results and errors written as a part, and it is recorded done with a conditional write; a shard already done is
 * not run again, so a redelivered shard event changes nothing. Whoever records a shard done and then finds every
 * shard done takes the merge claim, so the merge happens once even when the last shards finish together: the parts are
 * joined in shard order (inside S3 where they are large enough) into the keys a whole run writes (byte for byte the
 * same results and errors), the completion record is written only where none is, and the parts are removed. A shard
 * whose record turns up after that (its write landed late) removes what it left once it finds the object done.
 */
@ApplicationScoped
public class ShardWork {

    private static final Logger LOG = Logger.getLogger(ShardWork.class);

    private final BucketStores stores;
    private final BatchClaims claims;
    private final RowRunner runner;
    private final ModelRegistry registry;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final MeterRegistry meters;

    public ShardWork(BucketStores stores, BatchClaims claims, RowRunner runner, ModelRegistry registry,
                     ObjectMapper mapper, Clock clock, MeterRegistry meters) {
        this.stores = stores;
        this.claims = claims;
        this.runner = runner;
        this.registry = registry;
        this.mapper = mapper;
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * Runs the shard unless it is done, then merges if every shard is done and no other replica is merging.
     *
     * @return the completion when this call merged the shards and wrote it; empty otherwise
     * @throws dev.quiver.inference.InferenceException 503 when another replica holds the shard's live claim
     */
    public Optional<BatchCompleted> run(ShardRequested shard, BatchRule rule) {
        StorageProvider provider = provider(shard);
        ObjectStore output = stores.bucket(provider, rule.outputBucket());
        BatchKeys keys = BatchKeys.of(rule, shard.key(), shard.inputVersion());
        if (output.head(keys.done()).isPresent()) {
            return Optional.empty();
        }
        String what = "batch " + shard.key() + " version " + shard.inputVersion() + " shard " + shard.shard()
                + " of " + shard.shards();
        requirePlanned(shard, output, keys);
        if (output.head(keys.shardDone(shard.shard())).isEmpty()) {
            try (BatchClaims.Held claim = claims.claim(output, keys.shardClaim(shard.shard()), what)) {
                if (output.head(keys.shardDone(shard.shard())).isEmpty()) {
                    work(shard, rule, provider, output, keys, what);
                }
            }
        }
        return merge(shard, rule, provider, output, keys);
    }

    private void work(ShardRequested shard, BatchRule rule, StorageProvider provider, ObjectStore output,
                      BatchKeys keys, String what) {
        Instant started = clock.instant();
        ObjectStore input = stores.bucket(provider, shard.bucket());
        Path results = null;
        Path errors = null;
        try {
            results = Files.createTempFile("quiver-part", ".jsonl");
            errors = Files.createTempFile("quiver-part-errors", ".jsonl");
            RowRunner.Counts counts;
            ShardInput rows = rows(input, shard);
            try (InputStream in = rows.in()) {
                counts = runner.run(in, rule, rows.lineOffset(), results, errors);
            }
            output.put(keys.partResults(shard.shard()), results, "application/jsonl");
            output.put(keys.partErrors(shard.shard()), errors, "application/jsonl");
            double seconds = Duration.between(started, clock.instant()).toNanos() / 1e9;
            Files.write(results, mapper.writeValueAsBytes(new ShardDone(shard.shard(), counts.modelVersion(),
                    counts.rows(), counts.succeeded(), counts.failed(), seconds)));
            if (output.putIfAbsent(keys.shardDone(shard.shard()), results, "application/json").isPresent()) {
                Counter.builder("quiver_batch_shards_done_total").description("shards of stored objects run")
                        .tag("model", rule.model()).register(meters).increment();
            }
            LOG.infof("%s: %d rows, %d answered, %d failed", what, counts.rows(), counts.succeeded(),
                    counts.failed());
        } catch (NoSuchObjectException e) {
            throw new InvalidNotificationException(InvalidNotificationException.NO_OBJECT, "object " + shard.key()
                    + " in bucket " + shard.bucket() + " is gone: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        } finally {
            delete(results);
            delete(errors);
        }
    }

    /**
     * A shard event runs only the shard its object's stored plan names: one that another plan, or none, names would
     * merge into results that are not the object's.
     */
    private void requirePlanned(ShardRequested shard, ObjectStore output, BatchKeys keys) {
        ShardPlan plan;
        try (InputStream in = output.open(keys.plan())) {
            plan = mapper.readValue(in, ShardPlan.class);
        } catch (NoSuchObjectException e) {
            throw new InvalidNotificationException("shard event: object " + InferenceException.shown(shard.key())
                    + " version " + InferenceException.shown(shard.inputVersion()) + " has no shard plan ("
                    + keys.plan() + "); shards are planned when the object's notification arrives");
        } catch (IOException e) {
            throw new UncheckedIOException("shard plan " + keys.plan() + ": " + e.getMessage(), e);
        }
        boolean planned = shard.shards() == plan.shards().size() && shard.shard() >= 0
                && shard.shard() < plan.shards().size() && shard.header() == plan.header()
                && plan.shards().get(shard.shard()).equals(new ShardPlan.Shard(shard.from(), shard.to(),
                shard.firstLine()));
        if (!planned) {
            throw new InvalidNotificationException("shard event: shard " + shard.shard() + " of " + shard.shards()
                    + " (bytes " + shard.from() + " to " + shard.to() + ", line " + shard.firstLine() + ", header "
                    + shard.header() + ") is not in the plan of object " + InferenceException.shown(shard.key())
                    + " version " + InferenceException.shown(shard.inputVersion()) + " (" + keys.plan() + ")");
        }
    }

    /** A shard's bytes, and what to add to the line numbers read from them to number them as in the object. */
    private record ShardInput(InputStream in, long lineOffset) {
    }

    /** The shard's bytes, after the CSV header for a shard other than the first. */
    private static ShardInput rows(ObjectStore input, ShardRequested shard) throws IOException {
        InputStream range = input.open(shard.key(), shard.from(), shard.to());
        if (shard.header() == 0 || shard.from() == 0) {
            return new ShardInput(range, shard.firstLine() - 1);
        }
        byte[] header;
        try (InputStream in = input.open(shard.key(), 0, shard.header())) {
            header = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            range.close();
            throw e;
        }
        long headerLines = 0;
        for (byte b : header) {
            if (b == '\n') {
                headerLines++;
            }
        }
        return new ShardInput(new SequenceInputStream(new ByteArrayInputStream(header), range),
                shard.firstLine() - 1 - headerLines);
    }

    private Optional<BatchCompleted> merge(ShardRequested shard, BatchRule rule, StorageProvider provider,
                                           ObjectStore output, BatchKeys keys) {
        long done = output.list(keys.shards()).stream().filter(object -> object.key().endsWith(".done.json"))
                .count();
        if (done < shard.shards()) {
            if (output.head(keys.done()).isPresent()) {
                // this shard's record landed after the merge removed the parts: a write the store made visible
                // before it answered and the client then sent again, say
                removeShards(output, keys);
            }
            return Optional.empty();
        }
        String what = "batch " + shard.key() + " version " + shard.inputVersion() + ": merge of " + shard.shards()
                + " shards";
        Optional<BatchClaims.Held> held = claims.tryHold(output, keys.mergeClaim(), what);
        if (held.isEmpty()) {
            return Optional.empty();
        }
        try (BatchClaims.Held claim = held.get()) {
            if (output.head(keys.done()).isPresent()) {
                return Optional.empty();
            }
            return mergeClaimed(shard, rule, provider, output, keys, what);
        }
    }

    private Optional<BatchCompleted> mergeClaimed(ShardRequested shard, BatchRule rule, StorageProvider provider,
                                                  ObjectStore output, BatchKeys keys, String what) {
        Path results = null;
        try {
            List<ShardDone> shards = new ArrayList<>();
            for (int i = 0; i < shard.shards(); i++) {
                try (InputStream in = output.open(keys.shardDone(i))) {
                    shards.add(mapper.readValue(in, ShardDone.class));
                }
            }
            String modelVersion = rule.version().orElse("");
            long rows = 0;
            long succeeded = 0;
            long failed = 0;
            for (ShardDone part : shards) {
                modelVersion = part.modelVersion().isEmpty() ? modelVersion : part.modelVersion();
                rows += part.rows();
                succeeded += part.succeeded();
                failed += part.failed();
            }
            if (modelVersion.isEmpty()) {
                modelVersion = servedVersion(rule);
            }
            List<String> resultParts = new ArrayList<>();
            List<String> errorParts = new ArrayList<>();
            for (int i = 0; i < shard.shards(); i++) {
                resultParts.add(keys.partResults(i));
                errorParts.add(keys.partErrors(i));
            }
            // in S3, parts of 5 MiB or more are joined inside the store; smaller ones stream through here
            output.concatenate(resultParts, keys.results(modelVersion), "application/jsonl");
            output.concatenate(errorParts, keys.errors(modelVersion), "application/jsonl");
            results = Files.createTempFile("quiver-completion", ".json");
            BatchCompleted completed = new BatchCompleted(stores.locate(provider, shard.bucket(), shard.key()),
                    shard.inputVersion(), rule.model(), modelVersion,
                    stores.locate(provider, rule.outputBucket(), keys.results(modelVersion)),
                    stores.locate(provider, rule.outputBucket(), keys.errors(modelVersion)), rows, succeeded,
                    failed);
            Files.write(results, mapper.writeValueAsBytes(completed));
            boolean written = output.putIfAbsent(keys.done(), results, "application/json").isPresent();
            removeShards(output, keys);
            if (!written) {
                return Optional.empty();
            }
            LOG.infof("%s: %d rows, %d answered by %s version %s, %d failed", what, rows, succeeded, rule.model(),
                    modelVersion, failed);
            return Optional.of(completed);
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        } finally {
            delete(results);
        }
    }

    private static void removeShards(ObjectStore output, BatchKeys keys) {
        for (StoredObject part : output.list(keys.shards())) {
            output.delete(part.key());
        }
    }

    /** The version that would have answered: a file without rows still has its results under a model version. */
    private String servedVersion(BatchRule rule) {
        LoadedModel model = registry.acquire(rule.model(), rule.version());
        try {
            return Long.toString(model.version());
        } finally {
            model.release();
        }
    }

    private StorageProvider provider(ShardRequested shard) {
        try {
            return StorageProvider.valueOf(shard.provider());
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException("shard event: provider '" + shard.provider() + "' is not one of "
                    + List.of(StorageProvider.values()));
        }
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
