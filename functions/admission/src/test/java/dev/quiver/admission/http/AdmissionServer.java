package dev.quiver.admission.http;

import dev.quiver.admission.audit.AdmissionMetrics;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.concurrency.BodyBudget;
import dev.quiver.admission.concurrency.CallerQueues;
import dev.quiver.admission.concurrency.PoolGate;
import dev.quiver.admission.concurrency.ReplicaCapacity;
import dev.quiver.admission.identity.ApiKeyStore;
import dev.quiver.admission.identity.CallerResolver;
import dev.quiver.admission.identity.Cidr;
import dev.quiver.admission.identity.ClientAddressResolver;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.FailedAuthentications;
import dev.quiver.admission.identity.TokenVerifier;
import dev.quiver.admission.limit.BucketStore;
import dev.quiver.admission.plan.PlanCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server with the admission layer in front of a few endpoints, as an app has it (requests paused on
 * arrival, admission before the body is read): {@code /work} answers at once, {@code /slow?ms=N&tag=T} after N ms
 * (recording the order in which tags started), {@code /upload} reads its body and answers its size,
 * {@code /v2/health/ready} is exempt, {@code /admission/usage} is the admin endpoint, and {@code /hooks} (after
 * {@code ms=N} ms, if given) and {@code /} take broker deliveries.
 */
final class AdmissionServer implements AutoCloseable {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final UsageLedger ledger = new UsageLedger(Clock.systemUTC(), 100);
    final ConcurrentLinkedQueue<String> started = new ConcurrentLinkedQueue<>();
    final PlanCatalog plans;
    final ApiKeyStore keys;
    final AdmissionMetrics metrics;
    final BodyBudget bodies;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final HttpServer server;
    private final BucketStore buckets;

    static final List<String> EVENT_PATHS = List.of("/hooks", "/");

    AdmissionServer(Vertx vertx, Path plansFile, Optional<Path> keysFile, Optional<TokenVerifier> tokens,
                    List<String> trustedProxies, int poolCapacity, BucketStoreFactory storeFactory) throws Exception {
        this(vertx, plansFile, keysFile, tokens, trustedProxies, poolCapacity, storeFactory, new EventDeliveries(
                EVENT_PATHS, Optional.empty(), Optional.empty(), List.of(Cidr.parse("127.0.0.0/8"))), 64L << 20);
    }

    AdmissionServer(Vertx vertx, Path plansFile, Optional<Path> keysFile, Optional<TokenVerifier> tokens,
                    List<String> trustedProxies, int poolCapacity, BucketStoreFactory storeFactory,
                    EventDeliveries deliveries, long bodyBudget) throws Exception {
        this(vertx, plansFile, keysFile, tokens, trustedProxies, new PoolGate(poolCapacity), storeFactory, deliveries,
                bodyBudget);
    }

    AdmissionServer(Vertx vertx, Path plansFile, Optional<Path> keysFile, Optional<TokenVerifier> tokens,
                    List<String> trustedProxies, PoolGate pool, BucketStoreFactory storeFactory,
                    EventDeliveries deliveries, long bodyBudget) throws Exception {
        this.plans = new PlanCatalog(Optional.of(plansFile), Defaults.PLANS);
        this.keys = new ApiKeyStore(keysFile);
        CallerQueues queues = new CallerQueues(timer);
        this.bodies = new BodyBudget(bodyBudget);
        this.metrics = new AdmissionMetrics(registry, queues, pool, bodies);
        this.buckets = storeFactory.create(metrics);
        CallerResolver callers = new CallerResolver(keys, tokens,
                new ClientAddressResolver(trustedProxies.stream().map(Cidr::parse).toList()), deliveries);
        AdmissionHandler handler = new AdmissionHandler(plans, callers, new FailedAuthentications(5,
                Duration.ofMinutes(1)), buckets, queues, new ReplicaCapacity(pool, bodies, 64L << 20,
                Duration.ofSeconds(2)), metrics, ledger, new RateLimitFields(), List.of("/q/", "/v2/health/"));
        Router router = Router.router(vertx);
        router.route().handler(handler);
        router.post("/upload").handler(new SizedBodyHandler(64L << 20, "the test's limit")).handler(context ->
                context.response().end(Integer.toString(context.body().length())));
        router.get(UsageEndpoint.PATH).handler(new AdminOnly("usage")).handler(new UsageEndpoint(ledger));
        router.get("/v2/health/ready").handler(context -> context.response().end("ready"));
        router.route("/work").handler(context -> context.response().end("done"));
        router.route("/hooks").handler(context -> {
            String millis = context.queryParams().get("ms");
            vertx.setTimer(millis == null ? 1 : Long.parseLong(millis), id -> context.response().end("notified"));
        });
        router.route("/").handler(context -> context.response().end("delivered"));
        router.route("/slow").handler(context -> {
            started.add(context.queryParams().get("tag"));
            long millis = Long.parseLong(context.queryParams().get("ms"));
            vertx.setTimer(millis, id -> context.response().end("slept"));
        });
        // as Quarkus does: no body byte arrives before a handler asks for it
        this.server = vertx.createHttpServer().requestHandler(request -> {
            request.pause();
            router.handle(request);
        }).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        buckets.close();
        timer.shutdownNow();
    }

    @FunctionalInterface
    interface BucketStoreFactory {
        BucketStore create(AdmissionMetrics metrics);
    }
}
