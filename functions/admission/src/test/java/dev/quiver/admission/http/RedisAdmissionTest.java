package dev.quiver.admission.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.identity.ApiKeyStore;
import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.identity.CallerResolver;
import dev.quiver.admission.identity.Cidr;
import dev.quiver.admission.identity.ClientAddressResolver;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.RequestFacts;
import dev.quiver.admission.limit.BucketKey;
import dev.quiver.admission.limit.FailoverBucketStore;
import dev.quiver.admission.limit.LocalBucketStore;
import dev.quiver.admission.limit.RedisBucketStore;
import dev.quiver.admission.plan.Plans;
import dev.quiver.testservices.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Buckets in a real Redis (the tests' own, {@link TestRedis}): a fleet of three app instances shares one limit;
 * without Redis each instance has its own; a Redis that cannot be reached does not take the function down; stored
 * buckets expire. Each test calls from its own random IPv6 /64 (through a trusted proxy), so runs never share buckets.
 */
class RedisAdmissionTest {

    private static final String REDIS = TestRedis.shared().uri();
    private static final String PLANS = """
            plans:
              anonymous:
                limits:
                  - {name: hourly, capacity: 10, per: 1h}
                concurrency: 0
              fast:
                limits:
                  - {name: second, capacity: 2, per: 1s}
            """;

    private static Vertx vertx;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AdmissionServer> servers = new ArrayList<>();
    private final String client = "2001:db8:" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0xffff))
            + ":" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0xffff)) + "::1";

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    @AfterEach
    void closeServers() throws Exception {
        for (AdmissionServer server : servers) {
            server.close();
        }
    }

    @Test
    void threeInstancesSharingRedisAdmitTheLimitInTotal() throws Exception {
        List<AdmissionServer> fleet = List.of(redisServer(REDIS), redisServer(REDIS), redisServer(REDIS));
        assertThat(admittedAcross(fleet, 30)).isEqualTo(10);
    }

    @Test
    void threeInstancesWithoutRedisAdmitThreeTimesTheLimit() throws Exception {
        List<AdmissionServer> fleet = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fleet.add(server(metrics -> new LocalBucketStore(1, 1000)));
        }
        assertThat(admittedAcross(fleet, 45)).isEqualTo(30);
    }

    @Test
    void anUnreachableRedisFallsBackToLocalBucketsSizedForTheReplicas() throws Exception {
        AdmissionServer server = server(metrics -> new FailoverBucketStore(
                new RedisBucketStore("redis://127.0.0.1:1", Duration.ofMillis(200), Duration.ofSeconds(2),
                        Duration.ofSeconds(30)),
                new LocalBucketStore(2, 1000), Duration.ofSeconds(30), metrics.fallbacks()));
        int admitted = admittedAcross(List.of(server), 12);
        assertThat(admitted).as("10 per hour split over 2 expected replicas").isEqualTo(5);
        assertThat(server.registry.get("quiver.admission.store.fallbacks").counter().count()).isEqualTo(12);
    }

    @Test
    void aStoredBucketExpiresOnceItIsFullAgain() throws Exception {
        AdmissionServer server = redisServer(REDIS);
        assertThat(send(server).statusCode()).isEqualTo(200);
        RedisClient redis = RedisClient.create(REDIS);
        Plans plans = server.plans.current();
        CallerResolver resolver = new CallerResolver(new ApiKeyStore(Optional.empty()), Optional.empty(),
                new ClientAddressResolver(List.of(Cidr.parse("127.0.0.1"))),
                new EventDeliveries(List.of(), Optional.empty(), Optional.empty(), List.of()));
        RequestFacts facts = new RequestFacts("/work", null, null, null, "127.0.0.1", "for=\"[" + client + "]\"",
                null);
        Caller caller = resolver.resolve(facts, resolver.client(facts), plans);
        String key = BucketKey.of(caller, plans.get(caller.plan()), plans.version()).id();
        assertThat(key).doesNotContain("2001").doesNotContain(client);
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            long ttl = connection.sync().pttl(key);
            // one token of 10 per hour comes back in 6 minutes; the key lives that long and not much longer
            assertThat(ttl).isBetween(Duration.ofMinutes(5).toMillis(),
                    Duration.ofMinutes(6).plusSeconds(2).toMillis());
        } finally {
            redis.shutdown();
        }
    }

    private int admittedAcross(List<AdmissionServer> fleet, int requests) throws Exception {
        int admitted = 0;
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = send(fleet.get(i % fleet.size()));
            if (response.statusCode() == 200) {
                admitted++;
            } else {
                assertThat(response.statusCode()).isEqualTo(429);
            }
        }
        return admitted;
    }

    private HttpResponse<String> send(AdmissionServer server) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/work"))
                .header("Forwarded", "for=\"[" + client + "]\"").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private AdmissionServer redisServer(String uri) throws Exception {
        RedisBucketStore store = new RedisBucketStore(uri, Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!store.connected() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(store.connected()).as("connected to the Redis at " + uri).isTrue();
        return server(metrics -> store);
    }

    private AdmissionServer server(AdmissionServer.BucketStoreFactory buckets) throws Exception {
        Path plans = dir.resolve("plans.yaml");
        Files.writeString(plans, PLANS);
        AdmissionServer server = new AdmissionServer(vertx, plans, Optional.empty(), Optional.empty(),
                List.of("127.0.0.1/32"), 64, buckets);
        servers.add(server);
        return server;
    }
}
