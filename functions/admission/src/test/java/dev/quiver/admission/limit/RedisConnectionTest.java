package dev.quiver.admission.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.quiver.testservices.TestRedis;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a replica connects to the tests' real Redis ({@link TestRedis}) through a proxy the test controls: a connection
 * whose opening takes longer than a command may is still made, and a replica that starts while Redis is unreachable
 * keeps trying and joins the fleet's shared buckets once Redis answers, so the fleet-wide limit holds again. The
 * timeouts are seconds, so that a busy machine never makes a command late enough to count as Redis being away.
 */
class RedisConnectionTest {

    private static final URI REDIS = URI.create(TestRedis.shared().uri());
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RECONNECT = Duration.ofMillis(200);
    private static final Plan PLAN = new Plan("limited", List.of(new Limit("hourly", 10, 10, Duration.ofHours(1))),
            0, 0, Duration.ofSeconds(1), Map.of());

    private static Vertx vertx;
    private RedisProxy proxy;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    @BeforeEach
    void proxy() throws Exception {
        proxy = new RedisProxy(vertx, REDIS.getHost(), REDIS.getPort());
    }

    @AfterEach
    void closeProxy() throws Exception {
        proxy.close();
    }

    @Test
    void aConnectionWhoseOpeningTakesLongerThanACommandMayIsStillMade() throws Exception {
        proxy.reachable(true);
        proxy.openingDelay(Duration.ofSeconds(3));
        try (RedisBucketStore store = new RedisBucketStore(proxy.uri(), COMMAND_TIMEOUT, CONNECT_TIMEOUT, RECONNECT)) {
            awaitConnected(store, Duration.ofSeconds(10));
            assertThat(store.consume(freshKey(), 1).get().consumed()).isTrue();
        }
    }

    @Test
    void aReplicaThatStartsWithoutRedisJoinsTheSharedBucketsOnceRedisAnswers() throws Exception {
        proxy.reachable(false);
        try (RedisBucketStore direct = new RedisBucketStore(REDIS.toString(), COMMAND_TIMEOUT,
                CONNECT_TIMEOUT, RECONNECT);
             RedisBucketStore late = new RedisBucketStore(proxy.uri(), COMMAND_TIMEOUT, CONNECT_TIMEOUT,
                     RECONNECT)) {
            awaitConnected(direct, Duration.ofSeconds(10));
            List<BucketStore> fleet = List.of(failover(direct), failover(late));

            BucketKey before = freshKey();
            assertThat(admitted(fleet.get(1), before, 10))
                    .as("Redis unreachable: the replica enforces its share of the limit, 10 over 2 replicas")
                    .isEqualTo(5);

            proxy.reachable(true);
            awaitConnected(late, Duration.ofSeconds(10));
            BucketKey after = freshKey();
            int admitted = 0;
            for (int i = 0; i < 30; i++) {
                admitted += admitted(fleet.get(i % 2), after, 1);
            }
            assertThat(admitted).as("both replicas share the Redis bucket: the fleet admits the limit").isEqualTo(10);
        }
    }

    private static FailoverBucketStore failover(RedisBucketStore redis) {
        return new FailoverBucketStore(redis, new LocalBucketStore(2, 1000), Duration.ofSeconds(5),
                new SimpleMeterRegistry().counter("fallbacks"));
    }

    private static int admitted(BucketStore store, BucketKey key, int requests) throws Exception {
        int admitted = 0;
        for (int i = 0; i < requests; i++) {
            admitted += store.consume(key, 1).get().consumed() ? 1 : 0;
        }
        return admitted;
    }

    private static BucketKey freshKey() {
        return new BucketKey("quiver:ratelimit:test:" + UUID.randomUUID(), PLAN, 1);
    }

    private static void awaitConnected(RedisBucketStore store, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!store.connected() && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        assertThat(store.connected()).as("connected within " + within).isTrue();
    }
}
