package dev.quiver.admission.identity;

/**
 * What identity rests on, read off a request: the path, credentials, the TCP peer, forwarding and CloudEvent
 * headers.
 */
public record RequestFacts(String path, String authorization, String apiKey, String peer, String forwarded,
                           String xForwardedFor, String ceSpecVersion, String ceSource, String contentType) {
}
