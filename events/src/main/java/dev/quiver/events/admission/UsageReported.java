package dev.quiver.events.admission;

import java.util.List;

/**
 * Payload of {@code dev.quiver.admission.usage.reported}: what one replica admitted and refused per caller over a
 * window. Callers appear by key id, subject digest, event source or truncated address, never by credential or full
 * address.
 *
 * @param service the function that admitted the requests
 * @param replica the replica (host name) that counted them
 * @param from    start of the window, ISO-8601 UTC
 * @param to      end of the window, ISO-8601 UTC
 * @param callers one entry per caller seen in the window, busiest first
 */
public record UsageReported(String service, String replica, String from, String to, List<CallerUsageEntry> callers) {
}
