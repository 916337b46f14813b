package dev.quiver.admission.limit;

import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Redis buckets with a way out: while there is no connection to Redis (not made yet, or lost), and when Redis fails a
 * command (down, unreachable, too slow), the request is decided by this replica's local buckets, with every limit
 * divided by the expected number of replicas. After a failed command Redis is left alone for {@code retryAfter}
 * before it is tried again; a connection made after a failed start is used at once. Admission never waits on a dead
 * Redis and never refuses traffic because Redis is away; the fleet-wide limit is approximate while it is. Each such
 * decision is counted.
 */
public final class FailoverBucketStore implements BucketStore {

    private static final Logger LOG = Logger.getLogger(FailoverBucketStore.class);

    private final RedisBucketStore redis;
    private final LocalBucketStore fallback;
    private final Duration retryAfter;
    private final Counter fallbacks;
    private final AtomicLong redisDownUntil = new AtomicLong(System.nanoTime());
    private volatile boolean down;

    public FailoverBucketStore(RedisBucketStore redis, LocalBucketStore fallback, Duration retryAfter,
                               Counter fallbacks) {
        this.redis = redis;
        this.fallback = fallback;
        this.retryAfter = retryAfter;
        this.fallbacks = fallbacks;
    }

    @Override
    public CompletableFuture<Quota> consume(BucketKey key, long tokens) {
        if (!redis.connected() || down && System.nanoTime() - redisDownUntil.get() < 0) {
            fallbacks.increment();
            return fallback.consume(key, tokens);
        }
        return redis.consume(key, tokens).handle((quota, failure) -> {
            if (failure == null) {
                if (down) {
                    down = false;
                    LOG.info("rate-limit store: Redis answers again; buckets are shared by the fleet once more");
                }
                return quota;
            }
            redisDownUntil.set(System.nanoTime() + retryAfter.toNanos());
            if (!down) {
                down = true;
                LOG.warnf("rate-limit store: Redis failed (%s); deciding on local buckets sized for the replica "
                        + "count for %s before trying Redis again", rootMessage(failure), retryAfter);
            }
            fallbacks.increment();
            return fallback.consumeNow(key, tokens);
        });
    }

    @Override
    public void refund(BucketKey key, long tokens) {
        if (down || !redis.connected()) {
            fallback.refund(key, tokens);
        } else {
            redis.refund(key, tokens);
        }
    }

    @Override
    public void close() {
        redis.close();
    }

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
