package dev.quiver.admission.concurrency;

import java.time.Duration;

/**
 * What one replica holds at once, whoever the callers: its pool of admitted requests in flight and its budget of
 * request body bytes being read; {@code maxBodyBytes} is what a body without Content-Length is counted as, and
 * {@code retryAfter} the {@code Retry-After} of the 503 that sheds a request either has no room for.
 */
public record ReplicaCapacity(PoolGate pool, BodyBudget bodies, long maxBodyBytes, Duration retryAfter) {
}
