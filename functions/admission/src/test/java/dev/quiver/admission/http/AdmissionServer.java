package dev.quiver.admission.http;

import dev.quiver.admission.audit.AdmissionMetrics;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.concurrency.CallerQueues;
import dev.quiver.admission.concurrency.PoolGate;
import dev.quiver.admission.identity.ApiKeyStore;
import dev.quiver.admission.identity.CallerResolver;
import dev.quiver.admission.identity.Cidr;
import dev.quiver.admission.identity.ClientAddressResolver;
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
 * A real HTTP server with the admission layer in front of a few endpoints, as an app has it: {@code /work} answers at
 * once, {@code /slow?ms=N&tag=T} after N ms (recording the order in which tags started), {@code /v2/health/ready}
 * is exempt, {@code /admission/usage} is the admin endpoint.
 */
final class AdmissionServer implements AutoCloseable {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final UsageLedger ledger = new UsageLedger(Clock.systemUTC(), 100);
    final ConcurrentLinkedQueue<String> started = new ConcurrentLinkedQueue<>();
    final PlanCatalog plans;
    final ApiKeyStore keys;
    final AdmissionMetrics metrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final HttpServer server;
    private final BucketStore buckets;

    AdmissionServer(Vertx vertx, Path plansFile, Optional<Path> keysFile, Optional<TokenVerifier> tokens,
                    List<String> trustedProxies, int poolCapacity, BucketStoreFactory storeFactory) throws Exception {
        this.plans = new PlanCatalog(Optional.of(plansFile), Defaults.PLANS);
        this.keys = new ApiKeyStore(keysFile);
        CallerQueues queues = new CallerQueues(timer);
        PoolGate pool = new PoolGate(poolCapacity);
        this.metrics = new AdmissionMetrics(registry, queues, pool);
        this.buckets = storeFactory.create(metrics);
        CallerResolver callers = new CallerResolver(keys, tokens,
                new ClientAddressResolver(trustedProxies.stream().map(Cidr::parse).toList()),
                List.of(Cidr.parse("127.0.0.0/8")), List.of("/hooks"));
        AdmissionHandler handler = new AdmissionHandler(plans, callers, buckets, queues, pool, Duration.ofSeconds(2),
                metrics, ledger, new RateLimitFields(), List.of("/q/", "/v2/health/"));
        Router router = Router.router(vertx);
        router.route().handler(handler);
        router.get(UsageEndpoint.PATH).handler(new AdminOnly("usage")).handler(new UsageEndpoint(ledger));
        router.get("/v2/health/ready").handler(context -> context.response().end("ready"));
        router.route("/work").handler(context -> context.response().end("done"));
        router.route("/hooks").handler(context -> context.response().end("notified"));
        router.route("/slow").handler(context -> {
            started.add(context.queryParams().get("tag"));
            long millis = Long.parseLong(context.queryParams().get("ms"));
            vertx.setTimer(millis, id -> context.response().end("slept"));
        });
        this.server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
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
