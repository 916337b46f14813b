package dev.quiver.admission.identity;

import dev.quiver.admission.plan.Plans;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Tells the event broker's deliveries from everyone else's requests by what a client cannot forge, and only on the
 * event endpoints: the broker's OIDC token (Knative's sender identity), a shared secret, or an address the operator
 * named. Headers a client writes ({@code ce-specversion}, a CloudEvents content type, {@code ce-source}) prove
 * nothing. A delivery is keyed by what proved it, one bucket for the broker, never by the event's {@code source}.
 */
public final class EventDeliveries {

    /** The query parameter that carries the shared secret for senders that can set no header. */
    public static final String SECRET_PARAMETER = "event-secret";

    private final List<String> paths;
    private final Optional<BrokerTokens> tokens;
    private final Optional<byte[]> secret;
    private final List<Cidr> networks;

    public EventDeliveries(List<String> paths, Optional<BrokerTokens> tokens, Optional<String> secret,
                           List<Cidr> networks) {
        this.paths = List.copyOf(paths);
        this.tokens = tokens;
        this.secret = secret.filter(value -> !value.isBlank()).map(value -> value.getBytes(StandardCharsets.UTF_8));
        this.networks = List.copyOf(networks);
    }

    public boolean isEventPath(String path) {
        return paths.contains(path);
    }

    /**
     * The broker, when {@code request} is one of its deliveries to an event endpoint; empty for anyone else.
     *
     * @param client the client's address as the trusted proxies report it, or null when unknown
     * @throws InvalidCredentialException for an {@code event-secret} that is not the shared secret
     */
    public Optional<Caller> recognise(RequestFacts request, byte[] client) {
        if (!isEventPath(request.path())) {
            return Optional.empty();
        }
        String bearer = request.bearer();
        if (bearer != null && isSecret(bearer)) {
            return Optional.of(broker("secret", "secret"));
        }
        if (bearer != null && tokens.isPresent()) {
            Optional<String> subject = tokens.get().subject(bearer);
            if (subject.isPresent()) {
                return Optional.of(broker(subject.get(), subject.get()));
            }
        }
        if (request.eventSecret() != null) {
            if (!isSecret(request.eventSecret())) {
                throw new InvalidCredentialException(SECRET_PARAMETER + ": not the shared secret of this service's "
                        + "broker deliveries");
            }
            return Optional.of(broker("secret", "secret"));
        }
        // an address is the weakest proof: a request that presents a credential is that credential's
        boolean presentsCredential = request.authorization() != null || request.apiKey() != null;
        if (!presentsCredential && client != null && networks.stream().anyMatch(net -> net.contains(client))) {
            return Optional.of(broker(IpAddresses.format(client), IpAddresses.truncated(client)));
        }
        return Optional.empty();
    }

    private boolean isSecret(String presented) {
        return secret.isPresent()
                && MessageDigest.isEqual(secret.get(), presented.getBytes(StandardCharsets.UTF_8));
    }

    private static Caller broker(String key, String label) {
        return new Caller(CallerKind.BROKER, "broker:" + key, "broker:" + label, Plans.EVENTS, false);
    }
}
