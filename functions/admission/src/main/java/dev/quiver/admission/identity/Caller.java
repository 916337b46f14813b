package dev.quiver.admission.identity;

/**
 * Who sent a request. {@code key} identifies the caller's buckets and queue and may hold an address or a subject,
 * so it is only ever stored hashed; {@code label} is what logs, metrics, usage reports and events may show (a key
 * id, a subject, an event source, or an address truncated to its network).
 */
public record Caller(CallerKind kind, String key, String label, String plan, boolean admin) {

    public boolean authenticated() {
        return kind == CallerKind.API_KEY || kind == CallerKind.TOKEN;
    }
}
