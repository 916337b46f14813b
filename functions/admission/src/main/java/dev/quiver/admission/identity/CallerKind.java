package dev.quiver.admission.identity;

public enum CallerKind {
    /** keyed by client address (IPv4 address, IPv6 /64) */
    ANONYMOUS,
    /** an API key from the key store */
    API_KEY,
    /** a verified JWT */
    TOKEN,
    /** a CloudEvent delivered by the broker, keyed by its {@code source} */
    EVENT_SOURCE
}
