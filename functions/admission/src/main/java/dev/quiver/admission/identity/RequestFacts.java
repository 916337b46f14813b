package dev.quiver.admission.identity;

/** What identity rests on, read off a request: credentials, the TCP peer, forwarding and CloudEvent headers. */
public record RequestFacts(String authorization, String apiKey, String peer, String forwarded,
                           String xForwardedFor, String ceSpecVersion, String ceSource, String contentType) {
}
