package dev.quiver.admission.limit;

import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import java.time.Duration;

/** How a plan becomes a Bucket4j configuration, and how long a stored bucket is kept. */
final class BucketConfigurations {

    /** A bucket is dropped once it has refilled to the brim: a full bucket and no bucket are the same. */
    static final ExpirationAfterWriteStrategy EXPIRE_WHEN_FULL =
            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1));

    /** On a plan change a caller keeps the share of its tokens it had, not a fresh bucket. */
    static final TokensInheritanceStrategy ON_CHANGE = TokensInheritanceStrategy.PROPORTIONALLY;

    private BucketConfigurations() {
    }

    static BucketConfiguration of(Plan plan) {
        ConfigurationBuilder builder = BucketConfiguration.builder();
        for (Limit limit : plan.limits()) {
            builder.addLimit(bandwidth -> bandwidth.capacity(limit.capacity())
                    .refillGreedy(limit.refill(), limit.period()).id(limit.name()));
        }
        return builder.build();
    }
}
