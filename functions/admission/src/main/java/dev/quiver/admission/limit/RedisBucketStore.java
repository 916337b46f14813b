package dev.quiver.admission.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Buckets in Redis through Bucket4j's Lettuce proxy manager, shared by every replica, so a fleet-wide limit holds
 * however many replicas run. Each key expires once its bucket is full again. Requests for one bucket that arrive
 * while a Redis command for it is in flight are merged into the next command (Bucket4j's batching), so a hot key
 * costs one round trip per batch instead of a compare-and-swap storm. Commands fail fast when Redis is away (no
 * buffering while reconnecting, a command timeout), and a connection that could not be made is retried at most
 * once per {@code reconnectInterval}.
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = Logger.getLogger(RedisBucketStore.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration reconnectInterval;
    private final Cache<String, AsyncBucketProxy> proxies;
    private final AtomicLong nextConnectAttempt = new AtomicLong();
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile AsyncProxyManager<String> buckets;

    public RedisBucketStore(String redisUri, Duration commandTimeout, Duration reconnectInterval) {
        this.uri = RedisURI.create(redisUri);
        this.uri.setTimeout(commandTimeout);
        this.reconnectInterval = reconnectInterval;
        this.client = RedisClient.create();
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        this.proxies = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(1)).build();
        connect();
    }

    @Override
    public CompletableFuture<Quota> consume(BucketKey key, long tokens) {
        AsyncProxyManager<String> manager = buckets;
        if (manager == null) {
            connect();
            return CompletableFuture.failedFuture(new IllegalStateException("Redis at " + uri.getHost() + ":"
                    + uri.getPort() + " is not connected"));
        }
        return proxy(manager, key).asVerbose().tryConsumeAndReturnRemaining(tokens)
                .thenApply(result -> Quota.of(key.plan(), result));
    }

    @Override
    public void refund(BucketKey key, long tokens) {
        AsyncProxyManager<String> manager = buckets;
        if (manager != null) {
            proxy(manager, key).addTokens(tokens);
        }
    }

    public boolean connected() {
        StatefulRedisConnection<String, byte[]> current = connection;
        return current != null && current.isOpen();
    }

    private AsyncBucketProxy proxy(AsyncProxyManager<String> manager, BucketKey key) {
        return proxies.get(key.id() + "#" + key.version(), ignored -> {
            BucketConfiguration configuration = BucketConfigurations.of(key.plan());
            return manager.builder()
                    .withOptimization(Optimizations.batching())
                    .withImplicitConfigurationReplacement(key.version(), BucketConfigurations.ON_CHANGE)
                    .build(key.id(), () -> CompletableFuture.completedFuture(configuration));
        });
    }

    private void connect() {
        long now = System.nanoTime();
        long next = nextConnectAttempt.get();
        if (connection != null || now - next < 0 || !nextConnectAttempt.compareAndSet(next,
                now + reconnectInterval.toNanos())) {
            return;
        }
        client.connectAsync(CODEC, uri).whenComplete((opened, failure) -> {
            if (failure != null) {
                LOG.warnf("rate-limit store: cannot connect to Redis at %s:%d (%s); retrying in %s",
                        uri.getHost(), uri.getPort(), failure.getMessage(), reconnectInterval);
                return;
            }
            connection = opened;
            buckets = Bucket4jLettuce.casBasedBuilder(opened)
                    .expirationAfterWrite(BucketConfigurations.EXPIRE_WHEN_FULL)
                    .build()
                    .asAsync();
            LOG.infof("rate-limit store: connected to Redis at %s:%d", uri.getHost(), uri.getPort());
        });
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, byte[]> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
