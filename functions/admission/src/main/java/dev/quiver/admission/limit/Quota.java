package dev.quiver.admission.limit;

import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;

/**
 * The answer of a bucket: whether the tokens were taken, what is left in each of the plan's limits, and, when they
 * were not taken, how long until they will be there.
 */
public record Quota(Plan plan, boolean consumed, long[] remaining, long nanosToWait) {

    static Quota of(Plan plan, VerboseResult<ConsumptionProbe> result) {
        ConsumptionProbe probe = result.getValue();
        long[] remaining = result.getDiagnostics().getAvailableTokensPerEachBandwidth().clone();
        for (int i = 0; i < remaining.length; i++) {
            remaining[i] = Math.max(0, remaining[i]);
        }
        return new Quota(plan, probe.isConsumed(), remaining, probe.isConsumed() ? 0 : probe.getNanosToWaitForRefill());
    }

    /** Whole seconds to wait before the tokens are there: rounded up, never 0, so a retry is never early. */
    public long retryAfterSeconds() {
        return Math.max(1, (nanosToWait + 999_999_999L) / 1_000_000_000L);
    }

    /** The limit that refused the request: the one with the fewest tokens left for its size. */
    public Limit exhausted() {
        Limit worst = plan.limits().getFirst();
        double worstShare = Double.MAX_VALUE;
        for (int i = 0; i < plan.limits().size() && i < remaining.length; i++) {
            double share = (double) remaining[i] / plan.limits().get(i).capacity();
            if (share < worstShare) {
                worstShare = share;
                worst = plan.limits().get(i);
            }
        }
        return worst;
    }
}
