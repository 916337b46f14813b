package dev.quiver.admission;

import dev.quiver.admission.audit.AdmissionMetrics;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.audit.UsageReporter;
import dev.quiver.admission.concurrency.BodyBudget;
import dev.quiver.admission.concurrency.CallerQueues;
import dev.quiver.admission.concurrency.PoolGate;
import dev.quiver.admission.concurrency.ReplicaCapacity;
import dev.quiver.admission.concurrency.TrafficClass;
import dev.quiver.admission.http.AdminOnly;
import dev.quiver.admission.http.AdmissionCharges;
import dev.quiver.admission.http.AdmissionHandler;
import dev.quiver.admission.http.RateLimitFields;
import dev.quiver.admission.http.UsageEndpoint;
import dev.quiver.admission.identity.ApiKeyStore;
import dev.quiver.admission.identity.BrokerTokens;
import dev.quiver.admission.identity.CallerResolver;
import dev.quiver.admission.identity.Cidr;
import dev.quiver.admission.identity.ClientAddressResolver;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.EventNetworks;
import dev.quiver.admission.identity.FailedAuthentications;
import dev.quiver.admission.identity.TokenVerifier;
import dev.quiver.admission.limit.BucketStore;
import dev.quiver.admission.limit.FailoverBucketStore;
import dev.quiver.admission.limit.LocalBucketStore;
import dev.quiver.admission.limit.RedisBucketStore;
import dev.quiver.admission.plan.PlanCatalog;
import dev.quiver.admission.plan.PlanDefaults;
import dev.quiver.events.EventCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Puts the admission layer in front of every route of the app it is part of: builds it from configuration, installs
 * it on the router right after the request-id and size checks, serves the usage endpoint, re-reads the plans and key
 * files when they change and sends the periodic usage report.
 */
@ApplicationScoped
public class AdmissionLayer {

    /**
     * Before the body is read: Quarkus's body handler has this order too and is installed after every router observer,
     * so it runs after the admission layer (and after the app's own first handlers, at {@code Integer.MIN_VALUE}).
     */
    public static final int ROUTE_ORDER = RouteConstants.ROUTE_ORDER_BODY_HANDLER;
    /**
     * The priority of the router observer that installs the layer: an endpoint's own body reader, installed at the same
     * {@link #ROUTE_ORDER}, observes the router with a larger one, so that it runs after the layer.
     */
    public static final int INSTALL_PRIORITY = Interceptor.Priority.APPLICATION;

    private static final Logger LOG = Logger.getLogger(AdmissionLayer.class);

    private final AdmissionConfig config;
    private final PlanCatalog plans;
    private final ApiKeyStore keys;
    private final BucketStore buckets;
    private final UsageLedger ledger;
    private final RateLimitFields fields = new RateLimitFields();
    private final AdmissionMetrics metrics;
    private final AdmissionHandler handler;
    private final AdmissionCharges charges;
    private final ScheduledExecutorService timer;
    private final String service;
    private final EventCodec codec;

    /**
     * @param clock       the app's one clock, for usage windows and report times
     * @param codec       the app's codec of catalog events, for the usage report
     * @param maxBodySize the largest body the HTTP layer takes, charged to the body budget for a body of unknown size
     */
    public AdmissionLayer(AdmissionConfig config, RateLimitConfig rateLimits, MeterRegistry registry, Clock clock,
                          EventCodec codec,
                          @ConfigProperty(name = "quarkus.application.name", defaultValue = "quiver") String service,
                          @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
                          MemorySize maxBodySize) {
        this.config = config;
        this.service = service;
        this.codec = codec;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "quiver-admission-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.plans = new PlanCatalog(config.plansFile(), new PlanDefaults(
                config.anonymous().requestsPerHour(), config.anonymous().burst(), config.anonymous().concurrency(),
                config.standard().requestsPerHour(), config.standard().burst(), config.standard().concurrency(),
                config.queue(), config.queueTimeout()));
        this.keys = new ApiKeyStore(config.keysFile());
        CallerQueues queues = new CallerQueues(timer);
        PoolGate pool = new PoolGate(config.pool().maxInFlight(), Map.of(TrafficClass.INTERACTIVE,
                config.pool().shares().interactive(), TrafficClass.EVENTS, config.pool().shares().events(),
                TrafficClass.ANONYMOUS, config.pool().shares().anonymous()));
        BodyBudget bodies = new BodyBudget(config.pool().maxBodyBytes().map(MemorySize::asLongValue)
                .orElse(Runtime.getRuntime().maxMemory() / 8));
        this.metrics = new AdmissionMetrics(registry, queues, pool, bodies);
        this.buckets = buckets(rateLimits, metrics);
        this.ledger = new UsageLedger(clock, config.audit().maxCallers());
        Optional<TokenVerifier> tokens = config.jwt().publicKeyLocation().map(location -> new TokenVerifier(
                location, config.jwt().issuer(), config.jwt().audience(), config.jwt().planClaim(),
                config.jwt().adminGroup()));
        CallerResolver callers = new CallerResolver(keys, tokens, new ClientAddressResolver(
                cidrs(config.trustedProxies().orElse(List.of()), "quiver.admission.trusted-proxies")),
                deliveries(config.events()));
        this.handler = new AdmissionHandler(plans, callers, new FailedAuthentications(
                config.failedAuthentications().limit(), config.failedAuthentications().period()), buckets, queues,
                new ReplicaCapacity(pool, bodies, maxBodySize.asLongValue(), config.pool().retryAfter()), metrics,
                ledger, fields, config.exemptPaths());
        this.charges = new AdmissionCharges(buckets, fields, metrics, ledger);
    }

    /** Per-model charges for the app's endpoints, once they have read a request. */
    public AdmissionCharges charges() {
        return charges;
    }

    void install(@Observes @Priority(INSTALL_PRIORITY) Router router, Vertx vertx) {
        if (!config.enabled()) {
            LOG.warn("admission is disabled (quiver.admission.enabled=false): no rate limits, no caller queues");
            return;
        }
        router.route().order(ROUTE_ORDER).handler(handler);
        router.get(UsageEndpoint.PATH).handler(new AdminOnly("usage")).handler(new UsageEndpoint(ledger));
        long reload = Math.max(100, config.reloadInterval().toMillis());
        vertx.setPeriodic(reload, id -> vertx.executeBlocking(() -> {
            plans.reloadIfChanged();
            keys.reloadIfChanged();
            return null;
        }, false));
        UsageReporter reporter = new UsageReporter(ledger, codec, service, replica(),
                config.audit().sink(), vertx.createHttpClient());
        long interval = Math.max(1000, config.audit().interval().toMillis());
        vertx.setPeriodic(interval, id -> reporter.report());
    }

    void stop(@Observes ShutdownEvent event) {
        metrics.removeGauges();
        timer.shutdownNow();
        buckets.close();
    }

    private static EventDeliveries deliveries(AdmissionConfig.Events events) {
        Optional<String> audience = events.oidc().audience().filter(value -> !value.isBlank());
        Optional<BrokerTokens> tokens = audience.map(value -> new BrokerTokens(events.oidc().issuer(),
                events.oidc().jwks().orElse(events.oidc().issuer().replaceFirst("/$", "") + "/openid/v1/jwks"),
                events.oidc().caCertificate(), value, events.oidc().subjects()));
        List<Cidr> networks = EventNetworks.checked(cidrs(events.networks(), "quiver.admission.events.networks"),
                System.getenv("K_SERVICE") != null);
        List<String> proofs = new ArrayList<>();
        audience.ifPresent(value -> proofs.add("an OIDC token for audience " + value));
        events.secret().filter(value -> !value.isBlank()).ifPresent(value -> proofs.add("the shared secret"));
        if (!networks.isEmpty()) {
            proofs.add("an address in " + networks);
        }
        LOG.infof("broker deliveries to %s are recognised by %s", events.paths(),
                proofs.isEmpty() ? "nothing: every request there is an ordinary caller" : String.join(", ", proofs));
        return new EventDeliveries(events.paths(), tokens, events.secret(), networks);
    }

    private static BucketStore buckets(RateLimitConfig config, AdmissionMetrics metrics) {
        if (config.redis().isEmpty() || config.redis().get().isBlank()) {
            return new LocalBucketStore(1, config.maxLocalBuckets());
        }
        RedisBucketStore redis = new RedisBucketStore(config.redis().get(), config.redisTimeout(),
                config.redisConnectTimeout(), config.redisRetryAfter());
        return new FailoverBucketStore(redis, new LocalBucketStore(config.fallbackReplicas(),
                config.maxLocalBuckets()), config.redisRetryAfter(), metrics.fallbacks());
    }

    private static List<Cidr> cidrs(List<String> values, String property) {
        try {
            return values.stream().filter(value -> !value.isBlank()).map(Cidr::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
        }
    }

    private static String replica() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
