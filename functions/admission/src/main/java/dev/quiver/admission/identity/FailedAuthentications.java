package dev.quiver.admission.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Failed authentications per client key (an address, or the /64 of an IPv6 one), in this replica: {@code limit} per
 * {@code period}, refilled gradually. Once a client has used them up, its credentials are refused unread until one
 * more attempt is allowed, so keys and tokens cannot be guessed at speed and every failure is not a signature check.
 * Clients that stopped failing take no memory once their bucket would be full again.
 */
public final class FailedAuthentications {

    private final long limit;
    private final Duration period;
    private final Cache<String, Bucket> buckets;

    public FailedAuthentications(long limit, Duration period) {
        this.limit = limit;
        this.period = period;
        this.buckets = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(period).build();
    }

    /**
     * Seconds until {@code client} may try a credential again, or empty when it may now.
     *
     * @param client the client's address, null when unknown
     */
    public OptionalLong retryAfterSeconds(byte[] client) {
        Bucket bucket = buckets.getIfPresent(key(client));
        if (bucket == null || bucket.getAvailableTokens() > 0) {
            return OptionalLong.empty();
        }
        long nanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        return OptionalLong.of(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }

    public void failed(byte[] client) {
        buckets.get(key(client), ignored -> Bucket.builder()
                .addLimit(bandwidth -> bandwidth.capacity(limit).refillGreedy(limit, period)).build())
                .tryConsume(1);
    }

    private static String key(byte[] client) {
        return client == null ? "unknown" : IpAddresses.bucketKey(client);
    }

    public long limit() {
        return limit;
    }

    public Duration period() {
        return period;
    }
}
