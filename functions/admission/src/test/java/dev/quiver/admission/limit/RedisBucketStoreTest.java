package dev.quiver.admission.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import dev.quiver.testservices.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The token buckets of the Redis store, in a real Redis (the tests' own, {@link TestRedis}): the rules of the
 * in-process buckets, shared exactly by every replica, one script per decision.
 */
class RedisBucketStoreTest {

    private static final String REDIS = TestRedis.shared().uri();
    private static final Plan HOURLY = plan("anonymous", new Limit("hourly", 10, 10, Duration.ofHours(1)));

    private static RedisBucketStore first;
    private static RedisBucketStore second;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> redis;

    @BeforeAll
    static void connect() throws Exception {
        first = connected();
        second = connected();
        client = RedisClient.create(REDIS);
        redis = client.connect();
    }

    @AfterAll
    static void close() {
        first.close();
        second.close();
        redis.close();
        client.shutdown();
    }

    @Test
    void aBucketAdmitsItsCapacityThenSaysHowLongUntilTheNextToken() {
        BucketKey key = key(HOURLY, 1);
        for (int i = 9; i >= 0; i--) {
            Quota quota = first.consume(key, 1).join();
            assertThat(quota.consumed()).isTrue();
            assertThat(quota.remaining()).containsExactly(i);
        }
        Quota refused = first.consume(key, 1).join();
        assertThat(refused.consumed()).isFalse();
        assertThat(refused.remaining()).containsExactly(0);
        // one token of 10 per hour comes back in 6 minutes
        assertThat(Duration.ofNanos(refused.nanosToWait())).isBetween(Duration.ofMinutes(5).plusSeconds(50),
                Duration.ofMinutes(6));
        assertThat(refused.retryAfterSeconds()).isBetween(350L, 360L);
    }

    @Test
    void replicasShareOneLimitExactlyEvenWhenTheyDecideAtTheSameTime() {
        BucketKey key = key(plan("burst", new Limit("hourly", 100, 100, Duration.ofHours(1))), 1);
        List<CompletableFuture<Quota>> decisions = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            decisions.add((i % 2 == 0 ? first : second).consume(key, 1));
        }
        long admitted = decisions.stream().map(CompletableFuture::join).filter(Quota::consumed).count();
        assertThat(admitted).isEqualTo(100);
    }

    @Test
    void everyLimitOfAPlanMustHaveTheTokensAndTheTightestOneRefuses() {
        Plan plan = plan("two", new Limit("second", 3, 3, Duration.ofSeconds(1)),
                new Limit("hourly", 100, 100, Duration.ofHours(1)));
        BucketKey key = key(plan, 1);
        for (int i = 0; i < 3; i++) {
            assertThat(first.consume(key, 1).join().consumed()).isTrue();
        }
        Quota refused = second.consume(key, 1).join();
        assertThat(refused.consumed()).isFalse();
        assertThat(refused.remaining()).containsExactly(0, 97);
        assertThat(refused.exhausted().name()).isEqualTo("second");
        assertThat(refused.nanosToWait()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(334).toNanos());
        assertThat(first.consume(key, 5).join().nanosToWait()).as("more tokens than the capacity never come")
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aRefundGivesTheTokenBackUpToTheCapacity() {
        BucketKey key = key(HOURLY, 1);
        first.consume(key, 4).join();
        // a refund is not waited for; on the same connection it is applied before the next decision
        first.refund(key, 1);
        assertThat(first.consume(key, 1).join().remaining()).containsExactly(6);
        first.refund(key, 100);
        assertThat(first.consume(key, 1).join().remaining()).containsExactly(9);
    }

    @Test
    void aChangedPlanKeepsTheCallersShareOfItsTokens() {
        BucketKey before = key(HOURLY, 1);
        first.consume(before, 5).join();
        BucketKey after = new BucketKey(before.id(), plan("anonymous", new Limit("hourly", 20, 20,
                Duration.ofHours(1))), 2);
        assertThat(first.consume(after, 1).join().remaining()).as("half of 20 left, less this request")
                .containsExactly(9);
    }

    @Test
    void aRefusalWritesNothingYetTheNextDecisionCountsTheSameTokens() {
        BucketKey key = key(plan("minute", new Limit("minute", 3, 3, Duration.ofMinutes(1))), 1);
        first.consume(key, 3).join();
        String stored = redis.sync().get(key.id());
        for (int i = 0; i < 20; i++) {
            assertThat(second.consume(key, 1).join().consumed()).isFalse();
        }
        assertThat(redis.sync().get(key.id())).as("the state the admitted decision stored").isEqualTo(stored);
        Quota refused = first.consume(key, 1).join();
        assertThat(Duration.ofNanos(refused.nanosToWait())).as("one token of 3 a minute, 20 s after the first take")
                .isBetween(Duration.ofSeconds(19), Duration.ofSeconds(20));

        BucketKey tooLarge = key(HOURLY, 1);
        assertThat(first.consume(tooLarge, 11).join().consumed()).isFalse();
        assertThat(redis.sync().exists(tooLarge.id())).as("a full bucket is no bucket").isZero();
    }

    @Test
    void aRefusalUnderChangedLimitsStoresTheRescaledShare() {
        BucketKey before = key(HOURLY, 1);
        first.consume(before, 10).join();
        String stored = redis.sync().get(before.id());
        BucketKey after = new BucketKey(before.id(), plan("anonymous", new Limit("hourly", 20, 20,
                Duration.ofHours(1))), 2);
        assertThat(first.consume(after, 1).join().consumed()).isFalse();
        assertThat(redis.sync().get(before.id())).as("rewritten under the new version").isNotEqualTo(stored);
        assertThat(first.consume(after, 1).join().remaining()).as("still an empty bucket of 20")
                .containsExactly(0);
    }

    @Test
    void aStoredBucketLivesUntilItIsFullAgainAndTheScriptIsSentAgainAfterAFlush() {
        BucketKey key = key(HOURLY, 1);
        first.consume(key, 2).join();
        // two tokens of 10 per hour come back in 12 minutes, and the key lives a second more
        assertThat(redis.sync().pttl(key.id())).isBetween(Duration.ofMinutes(11).toMillis(),
                Duration.ofMinutes(12).plusSeconds(1).toMillis());
        redis.sync().scriptFlush();
        assertThat(first.consume(key, 1).join().remaining()).containsExactly(7);
    }

    private static RedisBucketStore connected() throws InterruptedException {
        RedisBucketStore store = new RedisBucketStore(REDIS, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofMillis(200));
        for (int i = 0; i < 500 && !store.connected(); i++) {
            Thread.sleep(10);
        }
        assertThat(store.connected()).as("connected to " + REDIS).isTrue();
        return store;
    }

    private static Plan plan(String name, Limit... limits) {
        return new Plan(name, List.of(limits), 0, 0, Duration.ofSeconds(1), Map.of());
    }

    private static BucketKey key(Plan plan, long version) {
        return new BucketKey("quiver:ratelimit:test:" + UUID.randomUUID(), plan, version);
    }
}
