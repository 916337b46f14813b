package dev.quiver.admission.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.caffeine.Bucket4jCaffeine;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Buckets in this process (Bucket4j over Caffeine), each dropped once it is full again, so memory follows the callers
 * active lately, not all ever seen. {@code replicas} divides every limit, for when each replica must enforce its
 * share of a fleet-wide limit on its own.
 */
public final class LocalBucketStore implements BucketStore {

    private final ProxyManager<String> buckets;
    private final Cache<String, BucketProxy> proxies;
    private final int replicas;

    public LocalBucketStore(int replicas, long maxBuckets) {
        this.replicas = Math.max(1, replicas);
        this.buckets = Bucket4jCaffeine.<String>builderFor(Caffeine.newBuilder().maximumSize(maxBuckets))
                .expirationAfterWrite(BucketConfigurations.EXPIRE_WHEN_FULL)
                .build();
        this.proxies = Caffeine.newBuilder().maximumSize(maxBuckets).expireAfterAccess(Duration.ofMinutes(1)).build();
    }

    @Override
    public CompletableFuture<Quota> consume(BucketKey key, long tokens) {
        return CompletableFuture.completedFuture(consumeNow(key, tokens));
    }

    /** The synchronous form: a local bucket answers at once. */
    public Quota consumeNow(BucketKey key, long tokens) {
        return Quota.of(key.plan().dividedAmong(replicas),
                proxy(key).asVerbose().tryConsumeAndReturnRemaining(tokens));
    }

    @Override
    public void refund(BucketKey key, long tokens) {
        proxy(key).addTokens(tokens);
    }

    private BucketProxy proxy(BucketKey key) {
        return proxies.get(key.id() + "#" + key.version(), ignored -> {
            BucketConfiguration configuration = BucketConfigurations.of(key.plan().dividedAmong(replicas));
            return buckets.builder()
                    .withImplicitConfigurationReplacement(key.version(), BucketConfigurations.ON_CHANGE)
                    .build(key.id(), () -> configuration);
        });
    }
}
