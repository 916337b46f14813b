package dev.quiver.admission.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.admission.identity.BrokerTokens;
import dev.quiver.admission.identity.Cidr;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.EventNetworks;
import dev.quiver.admission.limit.LocalBucketStore;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker deliveries recognised by what a client cannot forge, over real HTTP: Knative's OIDC token (signed by the
 * cluster's issuer, for our audience, with a Trigger's subject), the shared secret, a named address. A delivery is
 * unlimited on the event endpoints only; every near miss is an ordinary caller, and a near-miss credential is a 401.
 */
class BrokerDeliveryTest {

    private static final String ISSUER = "https://kubernetes.default.svc";
    private static final String AUDIENCE = "quiver-inference";
    private static final String TRIGGER = "system:serviceaccount:quiver:quiver-inference-requested-oidc-eventing"
            + ".knative.dev-trigger";
    private static final String SECRET = "4f1c2e9b7a6d";

    private static Vertx vertx;
    private static KeyPair cluster;
    private static KeyPair other;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private AdmissionServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        cluster = generator.generateKeyPair();
        other = generator.generateKeyPair();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    @BeforeEach
    void server() throws Exception {
        Path jwks = dir.resolve("jwks.json");
        RSAPublicKey key = (RSAPublicKey) cluster.getPublic();
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        Files.writeString(jwks, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"cluster-1\",\"use\":\"sig\",\"alg\":\"RS256\","
                + "\"n\":\"" + url.encodeToString(unsigned(key.getModulus().toByteArray())) + "\",\"e\":\""
                + url.encodeToString(unsigned(key.getPublicExponent().toByteArray())) + "\"}]}");
        BrokerTokens tokens = new BrokerTokens(ISSUER, jwks.toString(), Optional.empty(), AUDIENCE, List.of(
                "system:serviceaccount:*:*-oidc-eventing.knative.dev-trigger"));
        Path plans = dir.resolve("plans.yaml");
        Files.writeString(plans, """
                plans:
                  anonymous:
                    limits:
                      - {name: hourly, capacity: 3, per: 1h}
                """);
        server = new AdmissionServer(vertx, plans, Optional.empty(), Optional.empty(), List.of(), 64,
                metrics -> new LocalBucketStore(1, 1000), new EventDeliveries(AdmissionServer.EVENT_PATHS,
                Optional.of(tokens), Optional.of(SECRET), List.of()), 64L << 20);
    }

    @AfterEach
    void close() throws Exception {
        server.close();
    }

    @Test
    void aTriggersTokenMakesADeliveryUnlimitedOnTheEventEndpointsOnly() throws Exception {
        String token = token(TRIGGER, AUDIENCE, cluster, Duration.ofMinutes(5));
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> delivered = get("/", "Authorization", "Bearer " + token);
            assertThat(delivered.statusCode()).isEqualTo(200);
            assertThat(delivered.headers().firstValue("RateLimit")).isEmpty();
        }
        assertThat(get("/work", "Authorization", "Bearer " + token).statusCode())
                .as("the broker's token is no credential for the other endpoints").isEqualTo(401);
    }

    @Test
    void tokensThatAreNotTheBrokersAreRefused() throws Exception {
        for (String token : List.of(
                token(TRIGGER, "another-service", cluster, Duration.ofMinutes(5)),
                token("system:serviceaccount:quiver:default", AUDIENCE, cluster, Duration.ofMinutes(5)),
                token(TRIGGER, AUDIENCE, other, Duration.ofMinutes(5)),
                token(TRIGGER, AUDIENCE, cluster, Duration.ofMinutes(-10)))) {
            assertThat(get("/", "Authorization", "Bearer " + token).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void theSharedSecretMakesADeliveryAsHeaderOrQueryParameter() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get("/hooks", "Authorization", "Bearer " + SECRET).statusCode()).isEqualTo(200);
            assertThat(get("/?event-secret=" + SECRET).statusCode()).isEqualTo(200);
        }
        assertThat(get("/?event-secret=guess").statusCode()).isEqualTo(401);
        assertThat(get("/work?event-secret=" + SECRET).statusCode())
                .as("a secret sent anywhere else is a credential out of place").isEqualTo(401);
        assertThat(get("/hooks", "Authorization", "Bearer guess").statusCode()).isEqualTo(401);
    }

    @Test
    void withoutProofTheEventEndpointsServeOrdinaryCallers() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(get("/", "ce-specversion", "1.0", "ce-source", "/" + i).statusCode()).isEqualTo(200);
        }
        assertThat(get("/hooks", "ce-specversion", "1.0", "Content-Type", "application/cloudevents+json")
                .statusCode()).isEqualTo(429);
    }

    @Test
    void anAddressIsABrokersOnlyWhenItIsNamedAndNoWholePrivateRangeIs() {
        assertThatThrownBy(() -> EventNetworks.checked(List.of(Cidr.parse("10.0.0.0/8")), false))
                .hasMessageContaining("10.0.0.0/8 covers the whole private range 10.0.0.0/8");
        assertThatThrownBy(() -> EventNetworks.checked(List.of(Cidr.parse("0.0.0.0/0")), false))
                .hasMessageContaining("whole private range");
        assertThatThrownBy(() -> EventNetworks.checked(List.of(Cidr.parse("fd00::/6")), false))
                .hasMessageContaining("fc00::/7");
        assertThat(EventNetworks.checked(List.of(Cidr.parse("10.244.3.17"), Cidr.parse("127.0.0.1/32")), false))
                .containsExactly(Cidr.parse("10.244.3.17"), Cidr.parse("127.0.0.1/32"));
        assertThat(EventNetworks.checked(List.of(Cidr.parse("10.244.3.17"), Cidr.parse("127.0.0.1/32"),
                Cidr.parse("::1")), true)).as("under Knative every request comes from the queue-proxy on loopback")
                .containsExactly(Cidr.parse("10.244.3.17"));
    }

    private static String token(String subject, String audience, KeyPair key, Duration validFor) {
        long now = System.currentTimeMillis() / 1000;
        return Jwt.issuer(ISSUER).subject(subject).audience(audience).issuedAt(now - 60)
                .expiresAt(now + validFor.toSeconds()).jws().keyId("cluster-1").sign(key.getPrivate());
    }

    private static byte[] unsigned(byte[] twosComplement) {
        return twosComplement[0] == 0 ? Arrays.copyOfRange(twosComplement, 1, twosComplement.length)
                : twosComplement;
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}
