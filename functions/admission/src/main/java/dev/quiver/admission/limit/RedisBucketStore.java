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
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Buckets in Redis through Bucket4j's Lettuce proxy manager, shared by every replica, so a fleet-wide limit holds
 * however many replicas run. Each key expires once its bucket is full again. Requests for one bucket that arrive
 * while a Redis command for it is in flight are merged into the next command (Bucket4j's batching), so a hot key
 * costs one round trip per batch instead of a compare-and-swap storm. Commands fail fast when Redis is away (no
 * buffering while reconnecting, a command timeout). Opening a connection has its own, longer timeout: the TCP connect
 * and Redis's handshake of a cold JVM take far longer than a command. A connection that could not be made is tried
 * again every {@code reconnectInterval} until it is, whether requests arrive or not; one that drops later is
 * re-established by Lettuce.
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = Logger.getLogger(RedisBucketStore.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration reconnectInterval;
    private final Cache<String, AsyncBucketProxy> proxies;
    private volatile boolean closed;
    private volatile boolean reportedFailure;
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile AsyncProxyManager<String> buckets;

    public RedisBucketStore(String redisUri, Duration commandTimeout, Duration connectTimeout,
                            Duration reconnectInterval) {
        this.uri = RedisURI.create(redisUri);
        // the URI's timeout bounds the connect and the handshake; commands have the fixed timeout below
        this.uri.setTimeout(connectTimeout);
        this.reconnectInterval = reconnectInterval;
        this.client = RedisClient.create();
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        this.proxies = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(1)).build();
        connect();
    }

    @Override
    public CompletableFuture<Quota> consume(BucketKey key, long tokens) {
        AsyncProxyManager<String> manager = buckets;
        if (manager == null) {
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

    /** Whether a connection is open now: without one every command would fail at once. */
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

    /** One attempt; a failed one schedules the next, so there is one chain of attempts until a connection is made. */
    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(CODEC, uri).whenComplete((opened, failure) -> {
            if (failure != null) {
                if (!reportedFailure) {
                    reportedFailure = true;
                    LOG.warnf("rate-limit store: cannot connect to Redis at %s:%d (%s); trying again every %s",
                            uri.getHost(), uri.getPort(), failure.getMessage(), reconnectInterval);
                } else {
                    LOG.debugf("rate-limit store: still cannot connect to Redis at %s:%d (%s)", uri.getHost(),
                            uri.getPort(), failure.getMessage());
                }
                if (!closed) {
                    client.getResources().eventExecutorGroup().schedule(this::connect, reconnectInterval.toNanos(),
                            TimeUnit.NANOSECONDS);
                }
                return;
            }
            if (closed) {
                opened.close();
                return;
            }
            buckets = Bucket4jLettuce.casBasedBuilder(opened)
                    .expirationAfterWrite(BucketConfigurations.EXPIRE_WHEN_FULL)
                    .build()
                    .asAsync();
            connection = opened;
            LOG.infof("rate-limit store: connected to Redis at %s:%d", uri.getHost(), uri.getPort());
        });
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, byte[]> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
