package dev.quiver.admission.audit;

/** One caller's admissions over a report window; {@code caller} is a key id, subject digest or truncated address. */
public record CallerUsage(String caller, String kind, String plan, long requests, long admitted, long queued,
                          long limited, long rejected, long timedOut, long shed) {
}
