package dev.quiver.admission.identity;

import dev.quiver.admission.plan.Plans;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides who sent a request. A presented credential ({@code X-API-Key}, or {@code Authorization: Bearer} with an
 * API key or a JWT) must be valid, else the request is refused; it is never taken as anonymous. Without one, a
 * CloudEvent, or a notification to one of the event paths (storage webhooks), from the event networks is its
 * {@code source} (or path), and anyone else is anonymous, keyed by client address.
 */
public final class CallerResolver {

    private final ApiKeyStore keys;
    private final Optional<TokenVerifier> tokens;
    private final ClientAddressResolver addresses;
    private final List<Cidr> eventNetworks;
    private final List<String> eventPaths;

    public CallerResolver(ApiKeyStore keys, Optional<TokenVerifier> tokens, ClientAddressResolver addresses,
                          List<Cidr> eventNetworks, List<String> eventPaths) {
        this.keys = keys;
        this.tokens = tokens;
        this.addresses = addresses;
        this.eventNetworks = List.copyOf(eventNetworks);
        this.eventPaths = List.copyOf(eventPaths);
    }

    public Caller resolve(RequestFacts request, Plans plans) {
        String credential = credential(request);
        if (credential != null) {
            return authenticated(credential, plans);
        }
        byte[] client = addresses.resolve(request.peer(), request.forwarded(), request.xForwardedFor());
        if (client == null) {
            return new Caller(CallerKind.ANONYMOUS, "addr:unknown", "unknown", Plans.ANONYMOUS, false);
        }
        if (isEvent(request) && inEventNetworks(client)) {
            String source = request.ceSource() != null ? request.ceSource()
                    : isEventPath(request.path()) ? request.path() : "(structured)";
            String label = source.length() > 120 ? source.substring(0, 120) : source;
            return new Caller(CallerKind.EVENT_SOURCE, "source:" + source, "source:" + label, Plans.EVENTS, false);
        }
        return new Caller(CallerKind.ANONYMOUS, "addr:" + IpAddresses.bucketKey(client),
                IpAddresses.truncated(client), Plans.ANONYMOUS, false);
    }

    private static String credential(RequestFacts request) {
        String apiKey = request.apiKey();
        String authorization = request.authorization();
        if (apiKey != null && authorization != null) {
            throw new InvalidCredentialException("both X-API-Key and Authorization were sent; send one credential");
        }
        if (apiKey != null) {
            return apiKey.trim();
        }
        if (authorization == null) {
            return null;
        }
        String trimmed = authorization.trim();
        if (trimmed.length() < 7 || !trimmed.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            throw new InvalidCredentialException("Authorization: expected 'Bearer <API key or token>'");
        }
        return trimmed.substring(7).trim();
    }

    private Caller authenticated(String credential, Plans plans) {
        if (credential.startsWith(ApiKey.PREFIX)) {
            ApiKey key = keys.verify(credential).orElseThrow(() -> new InvalidCredentialException(
                    "API key: not a valid key for this service (unknown or revoked)"));
            return new Caller(CallerKind.API_KEY, "key:" + key.id(), "key:" + key.id(),
                    knownPlan(key.plan(), plans, "API key " + key.id()), key.admin());
        }
        if (credential.chars().filter(c -> c == '.').count() == 2 && tokens.isPresent()) {
            TokenVerifier.Verified verified = tokens.get().verify(credential);
            String plan = verified.plan().orElse(plans.authenticatedDefault());
            return new Caller(CallerKind.TOKEN, "sub:" + verified.subject(), "sub:" + digest(verified.subject()),
                    knownPlan(plan, plans, "token of " + digest(verified.subject())), verified.admin());
        }
        throw new InvalidCredentialException(tokens.isPresent()
                ? "credential: expected an API key (qvk_...) or a signed JWT"
                : "credential: expected an API key (qvk_...); this service accepts no JWTs");
    }

    private static String knownPlan(String plan, Plans plans, String whose) {
        if (plans.find(plan).isEmpty()) {
            throw new InvalidCredentialException(whose + " names plan '" + plan + "', which is not configured");
        }
        return plan;
    }

    private boolean inEventNetworks(byte[] client) {
        for (Cidr network : eventNetworks) {
            if (network.contains(client)) {
                return true;
            }
        }
        return false;
    }

    private boolean isEvent(RequestFacts request) {
        return request.ceSpecVersion() != null || isEventPath(request.path()) || (request.contentType() != null
                && request.contentType().toLowerCase(Locale.ROOT).startsWith("application/cloudevents"));
    }

    private boolean isEventPath(String path) {
        return path != null && eventPaths.contains(path);
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
