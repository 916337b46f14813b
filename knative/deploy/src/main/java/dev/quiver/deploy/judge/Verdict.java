package dev.quiver.deploy.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * The decision on a canary from its figures and the current revision's: promote when it meets every criterion,
 * roll back when it misses one, and decide nothing while too few requests have reached it.
 */
public record Verdict(Decision decision, RequestFigures canary, RequestFigures current, List<String> reasons) {

    public enum Decision { PROMOTE, ROLL_BACK, UNDECIDED }

    public static Verdict of(RequestFigures canary, RequestFigures current, Criteria criteria) {
        if (canary.requests() < criteria.minRequests()) {
            return new Verdict(Decision.UNDECIDED, canary, current, List.of("the canary has served " + canary.requests()
                    + " requests, fewer than the " + criteria.minRequests() + " needed to judge it"));
        }
        List<String> reasons = new ArrayList<>();
        if (canary.errorRate() > criteria.maxErrorRate()) {
            reasons.add(String.format("error rate %.4f above the maximum %.4f", canary.errorRate(),
                    criteria.maxErrorRate()));
        }
        criteria.maxP99Millis().ifPresent(max -> {
            if (Double.isNaN(canary.p99Seconds())) {
                reasons.add("no latency histogram buckets to check the p99 against " + max + " ms");
            } else if (canary.p99Seconds() * 1000 > max) {
                reasons.add(String.format("p99 %.1f ms above the maximum %.1f ms", canary.p99Seconds() * 1000, max));
            }
        });
        return reasons.isEmpty()
                ? new Verdict(Decision.PROMOTE, canary, current, List.of("every criterion met"))
                : new Verdict(Decision.ROLL_BACK, canary, current, List.copyOf(reasons));
    }
}
