package dev.quiver.admission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code quiver.admission.*}: who may call how much. Every setting is also an environment variable. */
@ConfigMapping(prefix = "quiver.admission")
public interface AdmissionConfig {

    /** Off only for benchmarks of the endpoints themselves. */
    @WithDefault("true")
    boolean enabled();

    /** YAML plans overlaid on the defaults; read again when it changes. */
    Optional<Path> plansFile();

    /** YAML key store of salted key hashes, made by {@code ./quiver new-key}; read again when it changes. */
    Optional<Path> keysFile();

    /** How often the plans and key files are checked for changes. */
    @WithDefault("2s")
    Duration reloadInterval();

    Anonymous anonymous();

    Standard standard();

    /** Requests of one caller that may wait in line, for the default plans. */
    @WithDefault("4")
    int queue();

    /** How long a request may wait in line, for the default plans. */
    @WithDefault("2s")
    Duration queueTimeout();

    /**
     * Peers whose {@code Forwarded} / {@code X-Forwarded-For} are believed (addresses or blocks). None by default;
     * behind Knative, the queue-proxy (127.0.0.1) and the ingress / activator networks.
     */
    Optional<List<String>> trustedProxies();

    /** Where CloudEvents deliveries (the broker) come from; events from elsewhere count as anonymous requests. */
    @WithDefault("127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7")
    List<String> eventNetworks();

    /** Paths that take notifications (storage webhooks) admitted like CloudEvents when from the event networks. */
    @WithDefault("/storage-notifications")
    List<String> eventPaths();

    /** Paths admission never touches: health, readiness and metrics. */
    @WithDefault("/q/,/v2/health/")
    List<String> exemptPaths();

    Pool pool();

    Jwt jwt();

    Audit audit();

    interface Anonymous {
        /** The sustained rate of each client address. */
        @WithDefault("60")
        long requestsPerHour();

        /** How many of them may come at once (refilled over a minute). */
        @WithDefault("10")
        long burst();

        @WithDefault("2")
        int concurrency();
    }

    interface Standard {
        /** The sustained rate of an authenticated caller on the default plan. */
        @WithDefault("5000")
        long requestsPerHour();

        @WithDefault("200")
        long burst();

        @WithDefault("3")
        int concurrency();
    }

    interface Pool {
        /** Admitted requests in flight on one replica, all callers together; past it requests get 503. */
        @WithDefault("64")
        int maxInFlight();

        @WithDefault("1s")
        Duration retryAfter();
    }

    interface Jwt {
        /** PEM public key or JWKS (file path or URL); JWTs are refused with 401 when unset. */
        Optional<String> publicKeyLocation();

        Optional<String> issuer();

        Optional<String> audience();

        @WithDefault("plan")
        String planClaim();

        @WithDefault("quiver-admin")
        String adminGroup();
    }

    interface Audit {
        /** How often the usage window is closed and emitted. */
        @WithDefault("60s")
        Duration interval();

        /** Where the usage events go (Knative's K_SINK); the log when unset. */
        Optional<URI> sink();

        /** Callers tracked per window before the rest are counted together. */
        @WithDefault("10000")
        int maxCallers();
    }
}
