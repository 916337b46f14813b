package dev.quiver.admission.plan;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The plans Quiver runs with when no plans file says otherwise: {@code anonymous} (a per-address hourly quota with a
 * small per-minute burst), {@code standard} for authenticated callers without a plan of their own, and
 * {@code events} for CloudEvents deliveries (unlimited).
 */
public record PlanDefaults(long anonymousRequestsPerHour, long anonymousBurst, int anonymousConcurrency,
                           long standardRequestsPerHour, long standardBurst, int standardConcurrency, int queue,
                           Duration queueTimeout) {

    public static final String STANDARD = "standard";

    public Plans plans() {
        return new Plans(1, Map.of(
                Plans.ANONYMOUS, metered(Plans.ANONYMOUS, anonymousRequestsPerHour, anonymousBurst,
                        anonymousConcurrency),
                STANDARD, metered(STANDARD, standardRequestsPerHour, standardBurst, standardConcurrency),
                Plans.EVENTS, new Plan(Plans.EVENTS, List.of(), 0, 0, queueTimeout, Map.of())), STANDARD);
    }

    private Plan metered(String name, long perHour, long burst, int concurrency) {
        return new Plan(name, List.of(
                new Limit("hourly", perHour, perHour, Duration.ofHours(1)),
                new Limit("burst", burst, burst, Duration.ofMinutes(1))), concurrency, queue, queueTimeout, Map.of());
    }
}
