package dev.quiver.admission.limit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Buckets in Redis, shared by every replica, so a fleet-wide limit holds however many replicas run. A decision is one
 * round trip: {@link TokenBucketScript} runs by its digest ({@code EVALSHA}; sent whole once when Redis does not have it
 * yet) and reads, refills, takes and writes the bucket in one atomic command. Bucket4j's Lettuce proxy manager, which
 * the in-process buckets' rules come from, can only read and then compare-and-swap: two round trips per decision.
 * Each key expires once its bucket is full again. Commands fail fast when Redis is away (no
 * buffering while reconnecting, a command timeout). Opening a connection has its own, longer timeout: the TCP connect
 * and Redis's handshake of a cold JVM take far longer than a command. A connection that could not be made is tried
 * again every {@code reconnectInterval} until it is, whether requests arrive or not; one that drops later is
 * re-established by Lettuce.
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = Logger.getLogger(RedisBucketStore.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration reconnectInterval;
    private volatile boolean closed;
    private volatile boolean reportedFailure;
    private volatile StatefulRedisConnection<String, String> connection;

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
        connect();
    }

    @Override
    public CompletableFuture<Quota> consume(BucketKey key, long tokens) {
        StatefulRedisConnection<String, String> current = connection;
        if (current == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis at " + uri.getHost() + ":"
                    + uri.getPort() + " is not connected"));
        }
        return run(current.async(), key, TokenBucketScript.CONSUME, tokens)
                .thenApply(reply -> TokenBucketScript.quota(key.plan(), reply));
    }

    @Override
    public void refund(BucketKey key, long tokens) {
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            run(current.async(), key, TokenBucketScript.REFUND, tokens).exceptionally(failure -> {
                LOG.debugf("rate-limit store: a refund to Redis failed (%s)", failure.getMessage());
                return null;
            });
        }
    }

    /** Whether a connection is open now: without one every command would fail at once. */
    public boolean connected() {
        StatefulRedisConnection<String, String> current = connection;
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

    /** One attempt; a failed one schedules the next, so there is one chain of attempts until a connection is made. */
    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((opened, failure) -> {
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
            connection = opened;
            LOG.infof("rate-limit store: connected to Redis at %s:%d", uri.getHost(), uri.getPort());
        });
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
