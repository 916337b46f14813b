package dev.quiver.admission.identity;

import java.util.Locale;

/**
 * What identity rests on, read off a request: the path the router dispatches on (normalised), the credentials (the
 * {@code event-secret} query parameter is one), the TCP peer and the forwarding headers.
 */
public record RequestFacts(String path, String authorization, String apiKey, String eventSecret, String peer,
                           String forwarded, String xForwardedFor) {

    /** The token of an {@code Authorization: Bearer <token>} header, or null without one. */
    public String bearer() {
        if (authorization == null) {
            return null;
        }
        String trimmed = authorization.trim();
        if (trimmed.length() < 7 || !trimmed.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        return trimmed.substring(7).trim();
    }

    /** Whether the request presents any credential, valid or not. */
    public boolean presentsCredential() {
        return authorization != null || apiKey != null || eventSecret != null;
    }
}
