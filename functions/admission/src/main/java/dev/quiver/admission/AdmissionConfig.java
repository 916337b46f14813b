package dev.quiver.admission;

import io.quarkus.runtime.configuration.MemorySize;
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

    Events events();

    /** Paths admission never touches: health, readiness and metrics. */
    @WithDefault("/q/,/v2/health/")
    List<String> exemptPaths();

    Pool pool();

    Jwt jwt();

    FailedAuthentications failedAuthentications();

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

        /**
         * Each kind of traffic's reserved share of {@code max-in-flight}, a fraction; together at most 1. A kind within
         * its share is admitted whatever the others do; beyond it, it borrows room no other kind has reserved.
         */
        Shares shares();

        /**
         * Request body bytes this replica reads at once, all requests together (health and metrics too); a request
         * whose body does not fit gets 503 before a byte of it is read. A body without Content-Length counts its first
         * 64 KiB, then the bytes received as they arrive, and gets 503 once they no longer fit. An eighth of the heap
         * when unset.
         */
        Optional<MemorySize> maxBodyBytes();
    }

    interface Shares {
        /** Identified callers (an API key or a token). */
        @WithDefault("0.25")
        double interactive();

        /** The event broker's deliveries. */
        @WithDefault("0.25")
        double events();

        /** Callers known only by their address. */
        @WithDefault("0.1")
        double anonymous();
    }

    /**
     * Broker deliveries: where they are taken, and what proves that a request is one. A request to one of the event
     * paths that one of the proofs recognises is admitted under the {@code events} plan; anything else, there or
     * elsewhere, is an ordinary caller.
     */
    interface Events {
        /** The endpoints that take broker deliveries (CloudEvents, storage notifications, dead letters). */
        @WithDefault("/,/storage-notifications")
        List<String> paths();

        /**
         * Addresses or blocks whose requests are broker deliveries. A block that covers a whole private range is
         * refused (every pod of a cluster is in one); loopback is dropped when the function runs under Knative,
         * where every request arrives from the queue-proxy on loopback.
         */
        @WithDefault("127.0.0.1/32,::1/128")
        List<String> networks();

        /**
         * A shared secret the sender presents as {@code Authorization: Bearer <secret>} or, for senders that can set
         * no header (a Knative Trigger without OIDC), as the {@code event-secret} query parameter.
         */
        Optional<String> secret();

        Oidc oidc();
    }

    /** Knative Eventing's sender identity: an OIDC token of the broker's Trigger in {@code Authorization: Bearer}. */
    interface Oidc {
        /** The audience the Triggers ask tokens for ({@code spec.subscriber.audience}); OIDC is off when unset. */
        Optional<String> audience();

        /** The issuer of the cluster's service account tokens. */
        @WithDefault("https://kubernetes.default.svc")
        String issuer();

        /** JWKS (URL or file) with the issuer's keys; {@code <issuer>/openid/v1/jwks} when unset. */
        Optional<String> jwks();

        /** PEM certificate(s) that sign the JWKS endpoint's TLS certificate, such as the cluster's CA. */
        Optional<String> caCertificate();

        /**
         * The token subjects taken for broker deliveries; {@code *} matches any text. Knative names a Trigger's
         * identity {@code <trigger>-oidc-eventing.knative.dev-trigger} (older releases
         * {@code oidc-eventing.knative.dev-trigger-<trigger>}).
         */
        @WithDefault("system:serviceaccount:*:*-oidc-eventing.knative.dev-trigger,"
                + "system:serviceaccount:*:oidc-eventing.knative.dev-trigger-*")
        List<String> subjects();
    }

    /** Failed authentications are themselves limited per client address, so credentials cannot be guessed at speed. */
    interface FailedAuthentications {
        /** Failed attempts one address may make per period; past them its credentials are refused with 429 unread. */
        @WithDefault("10")
        long limit();

        @WithDefault("1m")
        Duration period();
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
