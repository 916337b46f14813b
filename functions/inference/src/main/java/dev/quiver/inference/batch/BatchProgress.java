package dev.quiver.inference.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.inference.InferenceException;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.StoredObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * How far the batch of an object version has come, read from its rule's output bucket, so any replica answers the
 * same: completed (with its completion), in shards (shards done of all, rows so far and rows per second since the plan
 * was made), running whole (claimed, no shards), or not started.
 */
@ApplicationScoped
public class BatchProgress {

    private final BucketStores stores;
    private final ObjectMapper mapper;
    private final Clock clock;

    public BatchProgress(BucketStores stores, ObjectMapper mapper, Clock clock) {
        this.stores = stores;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * @param state         {@code completed}, {@code sharded} (shards under way), {@code running} (run whole, under
     *                      way) or {@code not-started}
     * @param shards        how many shards the object was split into, null when it was not
     * @param shardsDone    how many of them are done
     * @param rows          rows run so far (by the shards done), or in all when completed
     * @param rowsPerSecond rows run so far per second since the shards were planned
     * @param completed     the completion, once completed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(String input, String version, String state, Integer shards, Integer shardsDone, Long rows,
                         Double rowsPerSecond, BatchCompleted completed) {
    }

    /**
     * @param version the object version, or empty for the one the store has now
     * @throws InferenceException 404 when the object does not exist and no version is given
     */
    public Report of(StorageProvider provider, String bucket, String key, Optional<String> version, BatchRule rule) {
        String input = stores.locate(provider, bucket, key);
        String pinned = version.orElseGet(() -> stores.bucket(provider, bucket).head(key).map(StoredObject::version)
                .orElseThrow(() -> InferenceException.notFound("object " + InferenceException.shown(key)
                        + " in bucket " + bucket + ": does not exist")));
        ObjectStore output = stores.bucket(provider, rule.outputBucket());
        BatchKeys keys = BatchKeys.of(rule, key, pinned);
        Optional<BatchCompleted> completed = read(output, keys.done(), BatchCompleted.class);
        if (completed.isPresent()) {
            return new Report(input, pinned, "completed", null, null, completed.get().rows(), null,
                    completed.get());
        }
        Optional<ShardPlan> plan = read(output, keys.plan(), ShardPlan.class);
        if (plan.isPresent()) {
            int done = 0;
            long rows = 0;
            for (StoredObject object : output.list(keys.shards())) {
                if (object.key().endsWith(".done.json")) {
                    Optional<ShardDone> shard = read(output, object.key(), ShardDone.class);
                    done += shard.isPresent() ? 1 : 0;
                    rows += shard.map(ShardDone::rows).orElse(0L);
                }
            }
            double seconds = Duration.between(plan.get().planned(), clock.instant()).toNanos() / 1e9;
            return new Report(input, pinned, "sharded", plan.get().shards().size(), done, rows,
                    seconds > 0 ? rows / seconds : null, null);
        }
        String state = output.head(keys.claim()).isPresent() ? "running" : "not-started";
        return new Report(input, pinned, state, null, null, null, null, null);
    }

    private <T> Optional<T> read(ObjectStore store, String key, Class<T> type) {
        try (InputStream in = store.open(key)) {
            return Optional.of(mapper.readValue(in, type));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }
}
