package dev.quiver.admission.http;

import dev.quiver.admission.concurrency.PoolGate;
import dev.quiver.admission.concurrency.ReplicaCapacity;
import dev.quiver.admission.concurrency.TrafficClass;
import dev.quiver.admission.limit.Quota;
import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The answers admission gives when it refuses a request. */
final class Rejections {

    private Rejections() {
    }

    static Rejection unauthorized(String detail) {
        return new Rejection(401, "Unauthorized", detail,
                Map.of("WWW-Authenticate", "Bearer realm=\"quiver\", error=\"invalid_token\""), Map.of());
    }

    static Rejection rateLimited(Quota quota, RateLimitFields fields, long tokens) {
        Limit limit = quota.exhausted();
        long retryAfter = quota.retryAfterSeconds();
        Map<String, String> headers = new HashMap<>();
        headers.put("Retry-After", Long.toString(retryAfter));
        headers.put(RateLimitFields.POLICY, fields.policy(quota.plan()));
        headers.put(RateLimitFields.RATE_LIMIT, fields.rateLimit(quota));
        String cost = tokens == 1 ? "" : " (this request costs " + tokens + " tokens)";
        return new Rejection(429, "Too Many Requests", "rate limit '" + limit.name() + "' of plan '"
                + quota.plan().name() + "' is used up: " + limit.capacity() + " requests, " + limit.refill()
                + " more per " + describe(limit.period()) + cost + "; retry in " + retryAfter + " s",
                headers, Map.of("plan", quota.plan().name(), "limit", limit.name(), "retry_after", retryAfter));
    }

    static Rejection concurrency(Plan plan, String detail) {
        return new Rejection(429, "Too Many Requests", detail, Map.of("Retry-After", "1"),
                Map.of("plan", plan.name(), "limit", "concurrency", "retry_after", 1));
    }

    static Rejection shed(Duration retryAfter, PoolGate pool, TrafficClass kind) {
        long seconds = seconds(retryAfter);
        return new Rejection(503, "Service Unavailable", "this replica is at capacity for " + kind.label()
                + " traffic (its share: " + pool.reserved(kind) + " of " + pool.capacity() + " requests in flight, "
                + "the rest in use or reserved for other traffic); retry in " + seconds + " s",
                Map.of("Retry-After", Long.toString(seconds)), Map.of("limit", "pool", "retry_after", seconds));
    }

    static Rejection bodies(ReplicaCapacity replica) {
        long seconds = seconds(replica.retryAfter());
        return new Rejection(503, "Service Unavailable", "this replica is reading "
                + megabytes(replica.bodies().reserved()) + " of request bodies, as much as it reads at once ("
                + megabytes(replica.bodies().capacity())
                + ", quiver.admission.pool.max-body-bytes); retry in " + seconds + " s",
                Map.of("Retry-After", Long.toString(seconds)), Map.of("limit", "bodies", "retry_after", seconds));
    }

    static Rejection failedAuthentications(long limit, Duration period, long retryAfter) {
        return new Rejection(429, "Too Many Requests", "authentication: more than " + limit + " failed attempts from "
                + "this address per " + describe(period) + "; its credentials are not checked again for "
                + retryAfter + " s", Map.of("Retry-After", Long.toString(retryAfter)),
                Map.of("limit", "failed-authentications", "retry_after", retryAfter));
    }

    static Rejection forbidden(String detail) {
        return new Rejection(403, "Forbidden", detail, Map.of(), Map.of());
    }

    private static long seconds(Duration retryAfter) {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String describe(Duration period) {
        if (period.toDaysPart() > 0 && period.toHoursPart() == 0 && period.toMinutesPart() == 0) {
            return period.toDays() == 1 ? "day" : period.toDays() + " days";
        }
        if (period.toSeconds() % 3600 == 0) {
            return period.toHours() == 1 ? "hour" : period.toHours() + " hours";
        }
        if (period.toSeconds() % 60 == 0) {
            return period.toMinutes() == 1 ? "minute" : period.toMinutes() + " minutes";
        }
        return period.toMillis() + " ms";
    }
}
