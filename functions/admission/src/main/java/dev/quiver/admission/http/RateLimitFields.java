package dev.quiver.admission.http;

import dev.quiver.admission.limit.Quota;
import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of the IETF draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers): one quota policy per limit of the plan, named after the limit, with its
 * quota {@code q} and window {@code w} in seconds; and per policy the remaining quota {@code r} and the seconds
 * {@code t} until it is whole again.
 */
public final class RateLimitFields {

    public static final String POLICY = "RateLimit-Policy";
    public static final String RATE_LIMIT = "RateLimit";

    private final Map<Plan, String> policies = new ConcurrentHashMap<>();

    public String policy(Plan plan) {
        return policies.computeIfAbsent(plan, RateLimitFields::describe);
    }

    public String rateLimit(Quota quota) {
        StringBuilder value = new StringBuilder();
        long[] remaining = quota.remaining();
        for (int i = 0; i < quota.plan().limits().size() && i < remaining.length; i++) {
            Limit limit = quota.plan().limits().get(i);
            if (!value.isEmpty()) {
                value.append(", ");
            }
            value.append('"').append(limit.name()).append("\";r=").append(remaining[i]).append(";t=")
                    .append(limit.secondsUntilFull(remaining[i]));
        }
        return value.toString();
    }

    private static String describe(Plan plan) {
        StringBuilder value = new StringBuilder();
        for (Limit limit : plan.limits()) {
            if (!value.isEmpty()) {
                value.append(", ");
            }
            // the window over which the whole quota comes back at the refill rate
            long window = Math.max(1, (long) Math.ceil((double) limit.capacity() * limit.period().toNanos()
                    / limit.refill() / 1e9));
            value.append('"').append(limit.name()).append("\";q=").append(limit.capacity()).append(";w=")
                    .append(window);
        }
        return value.toString();
    }
}
