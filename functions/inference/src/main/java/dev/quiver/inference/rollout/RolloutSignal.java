package dev.quiver.inference.rollout;

import java.util.Optional;

/**
 * A measure of a version that the canary judge can use beside faults, output checks and latency, by name (a
 * {@link SignalCriterion} of the rollout): shadow agreement with the stable version's answers, live accuracy from
 * labels. Any bean implementing it is asked on every tick for the versions under rollout; its tallies are counted
 * from the process's start, and the replica's statistics publish what each gained since the step began.
 */
public interface RolloutSignal {

    /** The name rules refer to, such as {@code shadow_agreement} or {@code accuracy}. */
    String name();

    /** The tally so far of one version on this replica; empty when this replica measured none. */
    Optional<Tally> tally(String model, long version);
}
