package dev.quiver.events.admission;

/**
 * One caller's line in a usage report. {@code requests} counts every request; each outcome counts how it ended
 * ({@code queued} counts those that waited in line first, and they also count as admitted or timed out).
 */
public record CallerUsageEntry(String caller, String kind, String plan, long requests, long admitted, long queued,
                               long limited, long rejected, long timedOut, long shed) {
}
