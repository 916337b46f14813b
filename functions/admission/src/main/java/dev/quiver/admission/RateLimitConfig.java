package dev.quiver.admission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code quiver.ratelimit.*}: where the token buckets live. */
@ConfigMapping(prefix = "quiver.ratelimit")
public interface RateLimitConfig {

    /** {@code redis://host:port}: buckets shared by every replica; in process when unset. */
    Optional<String> redis();

    /** A Redis command slower than this counts as a failure. */
    @WithDefault("250ms")
    Duration redisTimeout();

    /**
     * How long opening a connection may take, the TCP connect and Redis's handshake together: a cold JVM takes far
     * longer for its first connection than for a command, and a connection that is not made is tried again.
     */
    @WithDefault("10s")
    Duration redisConnectTimeout();

    /** After a Redis failure, decide locally this long before trying Redis again; also the reconnection pace. */
    @WithDefault("5s")
    Duration redisRetryAfter();

    /** Replicas expected while Redis is away: each enforces 1/replicas of every limit on its own. */
    @WithDefault("1")
    int fallbackReplicas();

    /** Most buckets held in process. */
    @WithDefault("1000000")
    long maxLocalBuckets();
}
