package dev.quiver.admission.plan;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a class of callers may do: its token-bucket limits (none means unlimited), how many of one caller's requests
 * may run at once (0 means no cap) with how many more waiting in line and for how long, and what a request to each
 * model costs (one token per request unless a model is listed).
 */
public record Plan(String name, List<Limit> limits, int concurrency, int queue, Duration queueTimeout,
                   Map<String, CostUnit> costs) {

    public Plan {
        limits = List.copyOf(limits);
        costs = Map.copyOf(costs);
    }

    public boolean rateLimited() {
        return !limits.isEmpty();
    }

    public boolean concurrencyLimited() {
        return concurrency > 0;
    }

    /** Tokens a request to {@code model} costs beyond the one every request pays on arrival. */
    public long extraCost(String model, long items, long elements) {
        CostUnit unit = costs.get(model);
        return unit == null ? 0 : unit.cost(items, elements) - 1;
    }

    public Plan dividedAmong(int replicas) {
        return new Plan(name, limits.stream().map(limit -> limit.dividedAmong(replicas)).toList(), concurrency,
                queue, queueTimeout, costs);
    }
}
