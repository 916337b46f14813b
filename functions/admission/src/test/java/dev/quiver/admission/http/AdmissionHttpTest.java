package dev.quiver.admission.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.admission.identity.TokenVerifier;
import dev.quiver.admission.limit.LocalBucketStore;
import dev.quiver.testservices.RawHttp;
import io.micrometer.core.instrument.Gauge;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admission layer over real HTTP, with buckets in process. */
class AdmissionHttpTest {

    private static final String CHUNKED = "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n";
    private static final String PLANS = """
            version: 1
            plans:
              anonymous:
                limits:
                  - {name: hourly, capacity: 3, per: 1h}
                concurrency: 2
                queue: 1
                queue-timeout: 300ms
              standard:
                limits:
                  - {name: hourly, capacity: 8, per: 1h}
                  - {name: burst, capacity: 6, refill: 6, per: 1m}
                concurrency: 3
                queue: 4
                queue-timeout: 2s
              serial:
                limits:
                  - {name: hourly, capacity: 1000, per: 1h}
                concurrency: 1
                queue: 3
                queue-timeout: 5s
            """;

    private static Vertx vertx;
    private static KeyPair signing;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AdmissionServer> servers = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        signing = generator.generateKeyPair();
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
    void anonymousCallersGetTheirQuotaThenA429ThatSaysWhenToComeBack() throws Exception {
        AdmissionServer server = server(List.of(), 64);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = get(server, "/work");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"hourly\";q=3;w=3600");
            assertThat(ok.headers().firstValue("RateLimit")).hasValue("\"hourly\";r=" + (2 - i) + ";t="
                    + (1200 * (i + 1)));
        }
        HttpResponse<String> limited = get(server, "/work");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        // 3 per hour: one token comes back every 1200 s; the answer is never 0 and never earlier than that
        long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1199L, 1200L);
        JsonObject problem = new JsonObject(limited.body());
        assertThat(problem.getString("limit")).isEqualTo("hourly");
        assertThat(problem.getString("plan")).isEqualTo("anonymous");
        assertThat(problem.getLong("retry_after")).isEqualTo(retryAfter);
        assertThat(problem.getString("error")).contains("rate limit 'hourly' of plan 'anonymous'");
        assertThat(get(server, "/v2/health/ready").statusCode())
                .as("health and readiness are never limited").isEqualTo(200);
    }

    @Test
    void aKeyGetsItsPlansLargerQuotaAndAnInvalidOneIsRefused() throws Exception {
        ApiKey.Issued key = ApiKey.issue("standard", "team-a", false);
        AdmissionServer server = server(List.of(), 64, keys(key.stored()), Optional.empty());
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if (get(server, "/work", "X-API-Key", key.key()).statusCode() == 200) {
                admitted++;
            }
        }
        assertThat(admitted).as("the burst limit of 6 binds before the hourly 8").isEqualTo(6);
        HttpResponse<String> limited = get(server, "/work", "Authorization", "Bearer " + key.key());
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(new JsonObject(limited.body()).getString("limit")).isEqualTo("burst");
        assertThat(limited.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"hourly\";q=8;w=3600, \"burst\";q=6;w=60");

        String forged = key.key().substring(0, key.key().length() - 2) + "xx";
        HttpResponse<String> refused = get(server, "/work", "X-API-Key", forged);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(get(server, "/work", "Authorization", "Basic dXNlcjpwYXNz").statusCode()).isEqualTo(401);
        assertThat(get(server, "/work", "X-API-Key", "not-a-key").statusCode()).isEqualTo(401);
        assertThat(get(server, "/work").statusCode()).as("anonymous still has its own quota").isEqualTo(200);
    }

    @Test
    void tokensAreVerifiedAndNameThePlan() throws Exception {
        Path publicKey = dir.resolve("public.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(signing.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        TokenVerifier verifier = new TokenVerifier(publicKey.toString(), Optional.of("https://issuer.example"),
                Optional.empty(), "plan", "quiver-admin");
        AdmissionServer server = server(List.of(), 64, Optional.empty(), Optional.of(verifier));
        String serial = Jwt.issuer("https://issuer.example").subject("alice@example.com").claim("plan", "serial")
                .expiresIn(Duration.ofMinutes(5)).sign(signing.getPrivate());
        for (int i = 0; i < 5; i++) {
            assertThat(get(server, "/work", "Authorization", "Bearer " + serial).statusCode()).isEqualTo(200);
        }
        String expired = Jwt.issuer("https://issuer.example").subject("bob").claim("plan", "serial")
                .issuedAt(System.currentTimeMillis() / 1000 - 7200).expiresAt(System.currentTimeMillis() / 1000 - 3600)
                .sign(signing.getPrivate());
        assertThat(get(server, "/work", "Authorization", "Bearer " + expired).statusCode()).isEqualTo(401);
        String otherIssuer = Jwt.issuer("https://elsewhere.example").subject("carol").expiresIn(Duration.ofMinutes(5))
                .sign(signing.getPrivate());
        assertThat(get(server, "/work", "Authorization", "Bearer " + otherIssuer).statusCode()).isEqualTo(401);
        String unknownPlan = Jwt.issuer("https://issuer.example").subject("dave").claim("plan", "gold")
                .expiresIn(Duration.ofMinutes(5)).sign(signing.getPrivate());
        HttpResponse<String> refused = get(server, "/work", "Authorization", "Bearer " + unknownPlan);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("plan 'gold'");
    }

    @Test
    void eventHeadersGrantNothingAndOnlyTheEventEndpointsTakeBrokerDeliveries() throws Exception {
        AdmissionServer server = server(List.of("127.0.0.1/32"), 64);
        for (int i = 0; i < 3; i++) {
            assertThat(get(server, "/work", "ce-specversion", "1.0", "ce-source", "/source-" + i,
                    "Content-Type", "application/cloudevents+json").statusCode()).isEqualTo(200);
        }
        assertThat(get(server, "/work", "ce-specversion", "1.0", "ce-source", "/another").statusCode())
                .as("CloudEvent headers from the broker's own network, to an endpoint that takes no deliveries, are "
                        + "an anonymous request").isEqualTo(429);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> delivered = get(server, "/hooks", "ce-specversion", "1.0", "ce-id", "event-" + i);
            assertThat(delivered.statusCode()).as("a burst of notifications is not a flood").isEqualTo(200);
            assertThat(delivered.headers().firstValue("RateLimit")).isEmpty();
        }
        for (int i = 0; i < 3; i++) {
            get(server, "/work", "X-Forwarded-For", "198.51.100.20");
        }
        assertThat(get(server, "/hooks", "X-Forwarded-For", "198.51.100.20", "ce-specversion", "1.0").statusCode())
                .as("the event endpoint from outside the broker's addresses is an anonymous request").isEqualTo(429);
    }

    @Test
    void dotSegmentsLeadToNoEndpointUnadmitted() throws Exception {
        AdmissionServer server = server(List.of(), 64);
        for (int i = 0; i < 3; i++) {
            assertThat(get(server, "/work").statusCode()).isEqualTo(200);
        }
        for (String path : List.of("/q/../work", "/v2/health/../../work", "/v2/health/%2e%2e/%2E%2E/work",
                "/v2/health/.%2e/..%2E/work", "/q/./../work", "/hooks/../work", "/q/%2e%2e/hooks/../work")) {
            try (RawHttp request = RawHttp.send(server.port(), "GET " + path + " HTTP/1.1", new byte[0])) {
                assertThat(request.answer(Duration.ofSeconds(5)).status())
                        .as(path + " is /work, whose quota is used up")
                        .isEqualTo(429);
            }
        }
    }

    @Test
    void aRefusedRequestIsAnsweredBeforeItsBodyIsSent() throws Exception {
        AdmissionServer server = server(List.of(), 64);
        for (int i = 0; i < 3; i++) {
            get(server, "/work");
        }
        try (RawHttp upload = RawHttp.send(server.port(), "POST /upload HTTP/1.1\r\nContent-Length: 50000000",
                new byte[1000])) {
            assertThat(upload.answer(Duration.ofSeconds(5)).status())
                    .as("refused on its headers, 49,999,000 bytes unsent")
                    .isEqualTo(429);
        }
        try (RawHttp upload = RawHttp.send(server.port(), "POST /upload HTTP/1.1\r\n"
                + "Content-Length: 50000000\r\nExpect: 100-continue", new byte[0])) {
            RawHttp.Answer answer = upload.answer(Duration.ofSeconds(5));
            assertThat(answer.status()).as("told no, never to go on (a 100 Continue would come first)").isEqualTo(429);
            assertThat(answer.headers()).containsEntry("connection", "close");
            assertThat(upload.closed(Duration.ofSeconds(5))).as("the connection closes: no body will come").isTrue();
        }
    }

    @Test
    void bodiesBeyondTheReplicasBudgetAreShedBeforeTheyAreReadAndChunkedOnesAsTheyArrive() throws Exception {
        AdmissionServer server = server(List.of("127.0.0.1/32"), 64, 1_000_000);
        try (RawHttp first = RawHttp.send(server.port(), "POST /upload HTTP/1.1\r\nContent-Length: 800000\r\n"
                + "X-Forwarded-For: 198.51.100.1", new byte[1000])) {
            assertThat(reservedOnceSettled(server, 800_000)).isEqualTo(800_000);
            try (RawHttp second = RawHttp.send(server.port(), "POST /upload HTTP/1.1\r\n"
                    + "Content-Length: 500000\r\nX-Forwarded-For: 198.51.100.2", new byte[0])) {
                RawHttp.Answer shed = second.answer(Duration.ofSeconds(5));
                assertThat(shed.status()).isEqualTo(503);
                assertThat(shed.headers()).containsEntry("retry-after", "2");
                assertThat(shed.body()).contains("\"limit\":\"bodies\"");
            }
            try (RawHttp small = RawHttp.send(server.port(), CHUNKED + "X-Forwarded-For: 198.51.100.3", RawHttp.chunk(new byte[10_000]));
                 RawHttp large = RawHttp.send(server.port(), CHUNKED + "X-Forwarded-For: 198.51.100.4",
                         RawHttp.chunk(new byte[120_000]))) {
                small.sendMore(RawHttp.LAST_CHUNK);
                RawHttp.Answer read = small.answer(Duration.ofSeconds(5));
                assertThat(read.status()).as("a body in chunks is reserved as it arrives, not as the largest")
                        .isEqualTo(200);
                assertThat(read.body()).isEqualTo("10000");
                large.sendMore(RawHttp.chunk(new byte[100_000]));
                RawHttp.Answer shed = large.answer(Duration.ofSeconds(5));
                assertThat(shed.status()).as("800,000 + 220,000 bytes is more than the budget's 1,000,000")
                        .isEqualTo(503);
                assertThat(shed.headers()).containsEntry("retry-after", "2").containsEntry("connection", "close");
                assertThat(shed.body()).contains("\"limit\":\"bodies\"");
            }
            assertThat(reservedOnceSettled(server, 800_000)).as("what the chunked bodies held is given back")
                    .isEqualTo(800_000);
            assertThat(get(server, "/v2/health/ready").statusCode()).as("health answers while bodies are held")
                    .isEqualTo(200);
            first.sendMore(new byte[799_000]);
            RawHttp.Answer uploaded = first.answer(Duration.ofSeconds(5));
            assertThat(uploaded.status()).isEqualTo(200);
            assertThat(uploaded.body()).endsWith("800000");
        }
        assertThat(reservedOnceSettled(server, 0)).as("released once answered").isZero();
        assertThat(post(server, "/upload", new byte[500_000], "X-Forwarded-For", "198.51.100.2").statusCode())
                .isEqualTo(200);
    }

    /** The body bytes the server holds once they are {@code expected} or 5 s have passed, whichever is first. */
    private static long reservedOnceSettled(AdmissionServer server, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.bodies.reserved() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return server.bodies.reserved();
    }

    @Test
    void failedAuthenticationsAreThemselvesLimitedPerAddress() throws Exception {
        ApiKey.Issued key = ApiKey.issue("standard", "team-a", false);
        AdmissionServer server = server(List.of("127.0.0.1/32"), 64, keys(key.stored()), Optional.empty());
        String forged = key.key().substring(0, key.key().length() - 2) + "xx";
        for (int i = 0; i < 5; i++) {
            assertThat(get(server, "/work", "X-API-Key", forged, "X-Forwarded-For", "198.51.100.7").statusCode())
                    .isEqualTo(401);
        }
        HttpResponse<String> blocked = get(server, "/work", "X-API-Key", key.key(), "X-Forwarded-For",
                "198.51.100.7");
        assertThat(blocked.statusCode()).as("past 5 failures a minute, no credential of that address is checked")
                .isEqualTo(429);
        assertThat(Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 12L);
        assertThat(new JsonObject(blocked.body()).getString("limit")).isEqualTo("failed-authentications");
        assertThat(get(server, "/work", "X-Forwarded-For", "198.51.100.7").statusCode())
                .as("the address may still call without a credential").isEqualTo(200);
        assertThat(get(server, "/work", "X-API-Key", key.key(), "X-Forwarded-For", "198.51.100.8").statusCode())
                .as("another address is not held back").isEqualTo(200);
    }

    @Test
    void noKeyOrTokenMayNameTheBrokersPlan() throws Exception {
        ApiKey.Issued key = ApiKey.issue("events", "sneaky", false);
        Path publicKey = dir.resolve("public.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(signing.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        TokenVerifier verifier = new TokenVerifier(publicKey.toString(), Optional.empty(), Optional.empty(), "plan",
                "quiver-admin");
        AdmissionServer server = server(List.of(), 64, keys(key.stored()), Optional.of(verifier));
        String token = Jwt.subject("mallory").claim("plan", "events").expiresIn(Duration.ofMinutes(5))
                .sign(signing.getPrivate());
        for (String path : List.of("/work", "/hooks")) {
            HttpResponse<String> byToken = get(server, path, "Authorization", "Bearer " + token);
            assertThat(byToken.statusCode()).isEqualTo(401);
            assertThat(byToken.body()).contains("plan 'events'");
            assertThat(get(server, path, "X-API-Key", key.key()).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerDoNotChangeIdentity() throws Exception {
        AdmissionServer server = server(List.of(), 64);
        for (int i = 0; i < 3; i++) {
            assertThat(get(server, "/work", "X-Forwarded-For", "198.51.100." + i).statusCode()).isEqualTo(200);
        }
        assertThat(get(server, "/work", "X-Forwarded-For", "198.51.100.99").statusCode()).isEqualTo(429);
        assertThat(get(server, "/work", "Forwarded", "for=203.0.113.7").statusCode()).isEqualTo(429);
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnQuota() throws Exception {
        AdmissionServer server = server(List.of("127.0.0.1/32"), 64);
        for (int i = 0; i < 3; i++) {
            assertThat(get(server, "/work", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
        }
        assertThat(get(server, "/work", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(429);
        // a client that writes its own X-Forwarded-For is still keyed by the hop the proxy appended
        assertThat(get(server, "/work", "X-Forwarded-For", "10.9.9.9, 198.51.100.1").statusCode()).isEqualTo(429);
        assertThat(get(server, "/work", "X-Forwarded-For", "198.51.100.2").statusCode()).isEqualTo(200);
        // IPv6 callers are keyed by their /64
        for (int i = 0; i < 3; i++) {
            assertThat(get(server, "/work", "Forwarded", "for=\"[2001:db8:1:2::" + i + "]:4711\"").statusCode())
                    .isEqualTo(200);
        }
        assertThat(get(server, "/work", "Forwarded", "for=\"[2001:db8:1:2:ffff::9]\"").statusCode()).isEqualTo(429);
        assertThat(get(server, "/work", "Forwarded", "for=\"[2001:db8:1:3::1]\"").statusCode()).isEqualTo(200);
    }

    @Test
    void aCallersLineIsServedInOrderAndBounded() throws Exception {
        ApiKey.Issued key = ApiKey.issue("serial", "", false);
        AdmissionServer server = server(List.of(), 64, keys(key.stored()), Optional.empty());
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        // the first holds the line while the others arrive, each once the one before it is in; the others are short,
        // so that the last in line is served well within the plan's 5 s queue timeout
        for (int i = 0; i < 4; i++) {
            responses.add(http.sendAsync(request(server, "/slow?ms=" + (i == 0 ? 2000 : 100) + "&tag=" + i,
                    "X-API-Key", key.key()), HttpResponse.BodyHandlers.ofString()));
            int inLine = i;
            awaitUntil("request " + i + " running or in line",
                    () -> server.started.contains("0") && waiting(server, "serial") == inLine);
        }
        responses.add(http.sendAsync(request(server, "/slow?ms=100&tag=4", "X-API-Key", key.key()),
                HttpResponse.BodyHandlers.ofString()));
        List<Integer> statuses = responses.stream().map(CompletableFuture::join).map(HttpResponse::statusCode)
                .toList();
        assertThat(statuses).as("one running and three waiting; the fifth finds the line full")
                .containsExactly(200, 200, 200, 200, 429);
        assertThat(server.started).containsExactly("0", "1", "2", "3");
        assertThat(new JsonObject(responses.get(4).join().body()).getString("limit")).isEqualTo("concurrency");
    }

    @Test
    void aRequestThatWaitsLongerThanThePlanAllowsIsRefused() throws Exception {
        AdmissionServer server = server(List.of("127.0.0.1/32"), 64);
        // the two running outlast the third's wait by far, so a refusal when they finish is told from a timeout
        var first = http.sendAsync(request(server, "/slow?ms=3000&tag=a", "X-Forwarded-For", "198.51.100.5"),
                HttpResponse.BodyHandlers.ofString());
        var second = http.sendAsync(request(server, "/slow?ms=3000&tag=b", "X-Forwarded-For", "198.51.100.5"),
                HttpResponse.BodyHandlers.ofString());
        awaitUntil("both requests running", () -> server.started.containsAll(List.of("a", "b")));
        long start = System.nanoTime();
        HttpResponse<String> third = http.send(request(server, "/slow?ms=10&tag=c", "X-Forwarded-For",
                "198.51.100.5"), HttpResponse.BodyHandlers.ofString());
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.body()).contains("waited 300 ms");
        assertThat(waitedMillis).as("refused at the queue timeout, not when the others finished")
                .isBetween(300L, 2500L);
        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(second.join().statusCode()).isEqualTo(200);
    }

    @Test
    void aSaturatedPoolSheds503WithRetryAfter() throws Exception {
        AdmissionServer server = server(List.of("127.0.0.1/32"), 1);
        var running = http.sendAsync(request(server, "/slow?ms=2000&tag=a", "X-Forwarded-For", "198.51.100.1"),
                HttpResponse.BodyHandlers.ofString());
        awaitUntil("the pool's one place taken", () -> server.started.contains("a"));
        HttpResponse<String> shed = get(server, "/work", "X-Forwarded-For", "198.51.100.2");
        assertThat(shed.statusCode()).isEqualTo(503);
        assertThat(shed.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(running.join().statusCode()).isEqualTo(200);
        HttpResponse<String> after = get(server, "/work", "X-Forwarded-For", "198.51.100.2");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.headers().firstValue("RateLimit")).as("the shed request's token was given back")
                .hasValue("\"hourly\";r=2;t=1200");
    }

    /** Polls until {@code condition} holds, failing on {@code what} if it does not within 5 s. */
    private static void awaitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(deadline - System.nanoTime()).as("%s within 5 s", what).isPositive();
            Thread.sleep(10);
        }
    }

    /** The requests waiting in their caller's line on {@code plan}, as the server's queue-depth gauge reads. */
    private static double waiting(AdmissionServer server, String plan) {
        Gauge depth = server.registry.find("quiver.admission.queue.depth").tag("plan", plan).gauge();
        return depth == null ? 0 : depth.value();
    }

    @Test
    void theUsageEndpointServesAdminsOnlyAndShowsNoFullAddress() throws Exception {
        ApiKey.Issued admin = ApiKey.issue("standard", "ops", true);
        ApiKey.Issued user = ApiKey.issue("standard", "team-b", false);
        AdmissionServer server = server(List.of(), 64, keys(admin.stored(), user.stored()), Optional.empty());
        assertThat(get(server, UsageEndpoint.PATH).statusCode()).isEqualTo(401);
        for (int i = 0; i < 5; i++) {
            get(server, "/work");
        }
        assertThat(get(server, UsageEndpoint.PATH, "X-API-Key", user.key()).statusCode()).isEqualTo(403);
        HttpResponse<String> usage = get(server, UsageEndpoint.PATH, "X-API-Key", admin.key());
        assertThat(usage.statusCode()).isEqualTo(200);
        assertThat(usage.body()).doesNotContain("127.0.0.1").doesNotContain(admin.key()).contains("127.0.0.0/24");
        JsonObject anonymous = new JsonObject(usage.body()).getJsonArray("callers").stream()
                .map(JsonObject.class::cast).filter(c -> c.getString("caller").equals("127.0.0.0/24"))
                .findFirst().orElseThrow();
        assertThat(anonymous.getLong("requests")).isEqualTo(6);
        assertThat(anonymous.getLong("admitted")).isEqualTo(3);
        assertThat(anonymous.getLong("limited")).isEqualTo(3);
    }

    @Test
    void planChangesApplyWithoutRestart() throws Exception {
        AdmissionServer server = server(List.of(), 64);
        for (int i = 0; i < 3; i++) {
            get(server, "/work");
        }
        assertThat(get(server, "/work").statusCode()).isEqualTo(429);
        Files.writeString(dir.resolve("plans.yaml"), PLANS.replace("version: 1", "version: 2")
                .replace("capacity: 3, per: 1h", "capacity: 300, per: 1h"));
        Files.setLastModifiedTime(dir.resolve("plans.yaml"),
                FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(server.plans.reloadIfChanged()).isTrue();
        HttpResponse<String> after = get(server, "/work");
        // the caller keeps its share (none left) of the new, larger limit, which refills 100 times faster
        assertThat(after.headers().firstValue("RateLimit-Policy")).hasValue("\"hourly\";q=300;w=3600");
        assertThat(Long.parseLong(after.headers().firstValue("Retry-After").orElse("0"))).isBetween(1L, 12L);
    }

    private Optional<Path> keys(ApiKey... entries) throws Exception {
        StringBuilder yaml = new StringBuilder("keys:\n");
        for (ApiKey key : entries) {
            yaml.append(KeyStoreEntry.of(key));
        }
        Path file = dir.resolve("keys.yaml");
        Files.writeString(file, yaml);
        return Optional.of(file);
    }

    private AdmissionServer server(List<String> trusted, int pool) throws Exception {
        return server(trusted, pool, Optional.empty(), Optional.empty());
    }

    private AdmissionServer server(List<String> trusted, int pool, long bodyBudget) throws Exception {
        Path plans = dir.resolve("plans.yaml");
        Files.writeString(plans, PLANS.replace("capacity: 3, per: 1h", "capacity: 100, per: 1h"));
        AdmissionServer server = new AdmissionServer(vertx, plans, Optional.empty(), Optional.empty(), trusted, pool,
                metrics -> new LocalBucketStore(1, 10_000), new EventDeliveries(AdmissionServer.EVENT_PATHS,
                Optional.empty(), Optional.empty(), List.of()), bodyBudget);
        servers.add(server);
        return server;
    }

    private AdmissionServer server(List<String> trusted, int pool, Optional<Path> keys,
                                   Optional<TokenVerifier> tokens) throws Exception {
        Path plans = dir.resolve("plans.yaml");
        Files.writeString(plans, PLANS);
        AdmissionServer server = new AdmissionServer(vertx, plans, keys, tokens, trusted, pool,
                metrics -> new LocalBucketStore(1, 10_000));
        servers.add(server);
        return server;
    }

    private HttpResponse<String> get(AdmissionServer server, String path, String... headers) throws Exception {
        return http.send(request(server, path, headers), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(AdmissionServer server, String path, byte[] body, String... headers)
            throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(AdmissionServer server, String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.build();
    }
}
