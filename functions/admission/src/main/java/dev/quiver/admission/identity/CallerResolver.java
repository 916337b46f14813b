package dev.quiver.admission.identity;

import dev.quiver.admission.plan.Plans;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Decides who sent a request. The event broker's deliveries to the event endpoints are recognised first (see
 * {@link EventDeliveries}). Otherwise a presented credential ({@code X-API-Key}, or {@code Authorization: Bearer} with
 * an API key or a JWT) must be valid, else the request is refused; it is never taken as anonymous. Anyone else is
 * anonymous, keyed by client address. No key or token may name the {@code events} plan: it is the broker's.
 */
public final class CallerResolver {

    private final ApiKeyStore keys;
    private final Optional<TokenVerifier> tokens;
    private final ClientAddressResolver addresses;
    private final EventDeliveries deliveries;

    public CallerResolver(ApiKeyStore keys, Optional<TokenVerifier> tokens, ClientAddressResolver addresses,
                          EventDeliveries deliveries) {
        this.keys = keys;
        this.tokens = tokens;
        this.addresses = addresses;
        this.deliveries = deliveries;
    }

    /** The client's address as the trusted proxies report it, or null when the peer's is unknown. */
    public byte[] client(RequestFacts request) {
        return addresses.resolve(request.peer(), request.forwarded(), request.xForwardedFor());
    }

    /** @param client the request's {@link #client(RequestFacts)} */
    public Caller resolve(RequestFacts request, byte[] client, Plans plans) {
        Optional<Caller> broker = deliveries.recognise(request, client);
        if (broker.isPresent()) {
            return broker.get();
        }
        String credential = credential(request);
        if (credential != null) {
            return authenticated(credential, plans);
        }
        if (client == null) {
            return new Caller(CallerKind.ANONYMOUS, "addr:unknown", "unknown", Plans.ANONYMOUS, false);
        }
        return new Caller(CallerKind.ANONYMOUS, "addr:" + IpAddresses.bucketKey(client),
                IpAddresses.truncated(client), Plans.ANONYMOUS, false);
    }

    private static String credential(RequestFacts request) {
        String apiKey = request.apiKey();
        if (request.eventSecret() != null) {
            throw new InvalidCredentialException(EventDeliveries.SECRET_PARAMETER + ": only the broker's deliveries "
                    + "to the event endpoints present one");
        }
        if (apiKey != null && request.authorization() != null) {
            throw new InvalidCredentialException("both X-API-Key and Authorization were sent; send one credential");
        }
        if (apiKey != null) {
            return apiKey.trim();
        }
        if (request.authorization() == null) {
            return null;
        }
        String bearer = request.bearer();
        if (bearer == null) {
            throw new InvalidCredentialException("Authorization: expected 'Bearer <API key or token>'");
        }
        return bearer;
    }

    private Caller authenticated(String credential, Plans plans) {
        if (credential.startsWith(ApiKey.PREFIX)) {
            ApiKey key = keys.verify(credential).orElseThrow(() -> new InvalidCredentialException(
                    "API key: not a valid key for this service (unknown or revoked)"));
            return new Caller(CallerKind.API_KEY, "key:" + key.id(), "key:" + key.id(),
                    grantable(key.plan(), plans, "API key " + key.id()), key.admin());
        }
        if (credential.chars().filter(c -> c == '.').count() == 2 && tokens.isPresent()) {
            TokenVerifier.Verified verified = tokens.get().verify(credential);
            String plan = verified.plan().orElse(plans.authenticatedDefault());
            return new Caller(CallerKind.TOKEN, "sub:" + verified.subject(), "sub:" + digest(verified.subject()),
                    grantable(plan, plans, "token of " + digest(verified.subject())), verified.admin());
        }
        throw new InvalidCredentialException(tokens.isPresent()
                ? "credential: expected an API key (qvk_...) or a signed JWT"
                : "credential: expected an API key (qvk_...); this service accepts no JWTs");
    }

    private static String grantable(String plan, Plans plans, String whose) {
        if (plan.equals(Plans.EVENTS)) {
            throw new InvalidCredentialException(whose + " names plan '" + Plans.EVENTS + "', which only the event "
                    + "broker's deliveries get");
        }
        if (plans.find(plan).isEmpty()) {
            throw new InvalidCredentialException(whose + " names plan '" + plan + "', which is not configured");
        }
        return plan;
    }

    /** Subjects may be e-mail addresses: reports show 16 hex digits of their SHA-256 instead. */
    static String digest(String value) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
