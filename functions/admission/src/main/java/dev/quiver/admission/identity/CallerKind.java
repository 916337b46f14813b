package dev.quiver.admission.identity;

public enum CallerKind {
    /** keyed by client address (IPv4 address, IPv6 /64) */
    ANONYMOUS,
    /** an API key from the key store */
    API_KEY,
    /** a verified JWT */
    TOKEN,
    /** a delivery of the event broker to an event endpoint, recognised by its token, a shared secret or its address */
    BROKER
}
