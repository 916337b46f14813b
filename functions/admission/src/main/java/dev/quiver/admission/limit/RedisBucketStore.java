package dev.quiver.admission.limit;

import dev.quiver.admission.redis.ResilientRedisConnection;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;

/**
 * Buckets in Redis, shared by every replica, so a fleet-wide limit holds however many replicas run. A decision is one
 * round trip: {@link TokenBucketScript} runs by its digest ({@code EVALSHA}; sent whole once when Redis does not have it
 * yet) and reads, refills, takes and writes the bucket in one atomic command. Bucket4j's Lettuce proxy manager, which
 * the in-process buckets' rules come from, can only read and then compare-and-swap: two round trips per decision.
 * Each key expires once its bucket is full again. Commands fail fast when Redis is away
 * ({@link ResilientRedisConnection}).
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = Logger.getLogger(RedisBucketStore.class);

    private final ResilientRedisConnection redis;

    public RedisBucketStore(String redisUri, Duration commandTimeout, Duration connectTimeout,
                            Duration reconnectInterval) {
        this.redis = new ResilientRedisConnection(redisUri, commandTimeout, connectTimeout, reconnectInterval,
                "rate-limit store", connection -> { });
    }

    @Override
    public CompletableFuture<Quota> consume(BucketKey key, long tokens) {
        StatefulRedisConnection<String, String> current = redis.current();
        if (current == null) {
            return CompletableFuture.failedFuture(redis.notConnected());
        }
        return run(current.async(), key, TokenBucketScript.CONSUME, tokens)
                .thenApply(reply -> TokenBucketScript.quota(key.plan(), reply));
    }

    @Override
    public void refund(BucketKey key, long tokens) {
        StatefulRedisConnection<String, String> current = redis.current();
        if (current != null) {
            run(current.async(), key, TokenBucketScript.REFUND, tokens).exceptionally(failure -> {
                LOG.debugf("rate-limit store: a refund to Redis failed (%s)", failure.getMessage());
                return null;
            });
        }
    }

    /** Whether a connection is open now: without one every command would fail at once. */
    public boolean connected() {
        StatefulRedisConnection<String, String> current = redis.current();
        return current != null && current.isOpen();
    }

    /** The script by its digest; the whole script when Redis does not hold it (a restart, a flush, a new server). */
    private CompletableFuture<List<Object>> run(RedisAsyncCommands<String, String> commands, BucketKey key,
                                                String operation, long tokens) {
        String[] keys = {key.id()};
        String[] arguments = TokenBucketScript.arguments(operation, tokens, key.version(), key.plan());
        CompletableFuture<List<Object>> bySha = commands.<List<Object>>evalsha(TokenBucketScript.DIGEST, ScriptOutputType.MULTI, keys,
                arguments).toCompletableFuture();
        return bySha.exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            return cause instanceof RedisNoScriptException
                    ? commands.<List<Object>>eval(TokenBucketScript.SOURCE, ScriptOutputType.MULTI, keys, arguments)
                            .toCompletableFuture()
                    : CompletableFuture.failedFuture(cause);
        });
    }

    @Override
    public void close() {
        redis.close();
    }
}
