package dev.quiver.admission.plan;

import java.util.Map;
import java.util.Optional;

/**
 * One consistent set of plans. {@code version} grows whenever the limits change; buckets already stored (in Redis
 * too) take the new limits when they next see a higher version, keeping the share of tokens they had.
 */
public record Plans(long version, Map<String, Plan> byName, String authenticatedDefault) {

    public static final String ANONYMOUS = "anonymous";
    public static final String EVENTS = "events";

    public Plans {
        byName = Map.copyOf(byName);
        for (String required : new String[] {ANONYMOUS, EVENTS, authenticatedDefault}) {
            if (!byName.containsKey(required)) {
                throw new IllegalArgumentException("plans: no plan named '" + required + "'");
            }
        }
    }

    public Optional<Plan> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Plan get(String name) {
        Plan plan = byName.get(name);
        if (plan == null) {
            throw new IllegalArgumentException("no plan named '" + name + "'; configured: " + byName.keySet());
        }
        return plan;
    }
}
