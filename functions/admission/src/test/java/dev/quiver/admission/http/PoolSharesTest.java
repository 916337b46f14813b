package dev.quiver.admission.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.concurrency.PoolGate;
import dev.quiver.admission.concurrency.TrafficClass;
import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.Cidr;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.admission.limit.LocalBucketStore;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica's pool over real HTTP with reserved shares: 10 requests in flight, 3 held for identified callers, 3 for
 * the event broker, 1 for anonymous callers, 3 for whoever borrows.
 */
class PoolSharesTest {

    private static final String PLANS = """
            version: 1
            plans:
              standard:
                limits:
                  - {name: hourly, capacity: 10000, per: 1h}
                concurrency: 3
                queue: 0
                queue-timeout: 1s
            """;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Vertx vertx;
    private AdmissionServer server;
    private final ApiKey.Issued alice = ApiKey.issue("standard", "team-a", false);
    private final ApiKey.Issued bob = ApiKey.issue("standard", "team-b", false);
    private final ApiKey.Issued carol = ApiKey.issue("standard", "team-c", false);

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        Path plans = dir.resolve("plans.yaml");
        Files.writeString(plans, PLANS);
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, "keys:\n" + KeyStoreEntry.of(alice.stored()) + KeyStoreEntry.of(bob.stored())
                + KeyStoreEntry.of(carol.stored()));
        PoolGate pool = new PoolGate(10, Map.of(TrafficClass.INTERACTIVE, 0.3, TrafficClass.EVENTS, 0.3,
                TrafficClass.ANONYMOUS, 0.1));
        server = new AdmissionServer(vertx, plans, Optional.of(keys), Optional.empty(), List.of(), pool,
                metrics -> new LocalBucketStore(1, 10_000), new EventDeliveries(AdmissionServer.EVENT_PATHS,
                Optional.empty(), Optional.empty(), List.of(Cidr.parse("127.0.0.0/8"))), 64L << 20);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aFloodOfEventsDoesNotShedAnIdentifiedCallerWithinItsShare() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            flood.add(http.sendAsync(request("/hooks?ms=3000"), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> answered.incrementAndGet()));
        }
        // the deliveries the pool has no room for are answered at once; the others hold the pool for 3 s
        while (answered.get() < 14) {
            Thread.sleep(20);
        }
        List<CompletableFuture<HttpResponse<String>>> identified = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            identified.add(http.sendAsync(request("/slow?ms=100&tag=alice", "X-API-Key", alice.key()),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : identified) {
            assertThat(response.join().statusCode()).as("an identified caller within its share").isEqualTo(200);
        }
        List<Integer> deliveries = flood.stream().map(response -> response.join().statusCode()).toList();
        assertThat(deliveries).as("the broker had its share and the unreserved room, and no more")
                .containsOnly(200, 503).filteredOn(status -> status == 200).hasSize(6);
    }

    @Test
    void aKindBorrowsIdleRoomButNeverAnotherKindsShare() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
        for (ApiKey.Issued key : List.of(alice, bob)) {
            for (int i = 0; i < 3; i++) {
                running.add(http.sendAsync(request("/slow?ms=2000&tag=x", "X-API-Key", key.key()),
                        HttpResponse.BodyHandlers.ofString()));
            }
        }
        while (server.started.size() < 6) {
            Thread.sleep(20);
        }
        HttpResponse<String> seventh = http.send(request("/work", "X-API-Key", carol.key()),
                HttpResponse.BodyHandlers.ofString());
        assertThat(seventh.statusCode()).as("the identified callers' share and the unreserved room are in use")
                .isEqualTo(503);
        assertThat(seventh.body()).contains("at capacity for interactive traffic (its share: 3 of 10");
        assertThat(http.send(request("/hooks"), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("the broker's share was kept for it").isEqualTo(200);
        assertThat(http.send(request("/work"), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("the anonymous callers' share was kept for them").isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> response : running) {
            assertThat(response.join().statusCode()).as("6 identified requests: 3 borrowed").isEqualTo(200);
        }
    }

    private HttpRequest request(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.build();
    }
}
