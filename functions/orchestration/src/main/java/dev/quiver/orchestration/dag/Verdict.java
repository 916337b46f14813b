package dev.quiver.orchestration.dag;

/**
 * What a trigger rule says about a step, given its upstream states.
 *
 * @param reason for the run's record and the read API: why the step runs, waits or will not run
 */
public record Verdict(Outcome outcome, String reason) {

    public enum Outcome {
        /** The rule may still hold once more upstream steps finish. */
        WAIT,
        /** The rule holds: run the step. */
        RUN,
        /** The rule cannot hold, and what decided it is not a failure (skips, or successes where failures were asked). */
        SKIP,
        /** The rule cannot hold because of upstream failures. */
        UPSTREAM_FAILED
    }

    static Verdict waiting(String reason) {
        return new Verdict(Outcome.WAIT, reason);
    }

    static Verdict run(String reason) {
        return new Verdict(Outcome.RUN, reason);
    }

    static Verdict skip(String reason) {
        return new Verdict(Outcome.SKIP, reason);
    }

    static Verdict upstreamFailed(String reason) {
        return new Verdict(Outcome.UPSTREAM_FAILED, reason);
    }
}
