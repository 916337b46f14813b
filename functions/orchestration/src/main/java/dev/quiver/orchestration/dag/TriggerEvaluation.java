package dev.quiver.orchestration.dag;

import dev.quiver.orchestration.pipeline.TriggerRule;
import java.util.Collection;

/**
 * Decides a trigger rule from the states of a step's upstream instances: a pure function, the semantics of Airflow's
 * trigger rules where the names match (including when a rule that cannot hold skips the step and when it marks it
 * upstream-failed). {@code at-least k} runs the step once k upstream instances succeeded, without waiting for the
 * others, and fails it upstream once so many failed that k successes are out of reach.
 */
public final class TriggerEvaluation {

    private TriggerEvaluation() {
    }

    public static Verdict evaluate(TriggerRule rule, Collection<StepState> upstream) {
        Counts c = Counts.of(upstream);
        return switch (rule.kind()) {
            case ALWAYS -> Verdict.run("always runs");
            case ALL_SUCCESS -> {
                if (c.failed + c.upstreamFailed > 0) {
                    yield Verdict.upstreamFailed(c.failed + c.upstreamFailed + " of " + c.total
                            + " upstream steps failed; all-success needs every one to succeed");
                }
                if (c.skipped > 0) {
                    yield Verdict.skip(c.skipped + " of " + c.total + " upstream steps were skipped; all-success "
                            + "needs every one to succeed");
                }
                yield c.succeeded == c.total ? Verdict.run("all " + c.total + " upstream steps succeeded")
                        : Verdict.waiting(c.succeeded + " of " + c.total + " upstream steps succeeded so far");
            }
            case ALL_FAILED -> {
                if (c.succeeded + c.skipped > 0) {
                    yield Verdict.skip("an upstream step succeeded or was skipped; all-failed needs every one to fail");
                }
                yield c.failed + c.upstreamFailed == c.total ? Verdict.run("all " + c.total + " upstream steps failed")
                        : Verdict.waiting(c.failed + c.upstreamFailed + " of " + c.total + " upstream steps failed so far");
            }
            case ALL_DONE -> c.done == c.total ? Verdict.run("all " + c.total + " upstream steps are done")
                    : Verdict.waiting(c.done + " of " + c.total + " upstream steps are done so far");
            case ONE_SUCCESS -> {
                if (c.succeeded > 0) {
                    yield Verdict.run(c.succeeded + " upstream step(s) succeeded");
                }
                if (c.done == c.total) {
                    yield c.skipped == c.total ? Verdict.skip("every upstream step was skipped")
                            : Verdict.upstreamFailed("every upstream step is done and none succeeded");
                }
                yield Verdict.waiting("no upstream step has succeeded yet");
            }
            case ONE_FAILED -> {
                if (c.failed + c.upstreamFailed > 0) {
                    yield Verdict.run(c.failed + c.upstreamFailed + " upstream step(s) failed");
                }
                yield c.done == c.total ? Verdict.skip("every upstream step is done and none failed")
                        : Verdict.waiting("no upstream step has failed yet");
            }
            case NONE_FAILED, NONE_FAILED_MIN_ONE_SUCCESS -> {
                if (c.failed + c.upstreamFailed > 0) {
                    yield Verdict.upstreamFailed(c.failed + c.upstreamFailed + " of " + c.total
                            + " upstream steps failed; " + rule + " needs none to fail");
                }
                if (rule.kind() == TriggerRule.Kind.NONE_FAILED_MIN_ONE_SUCCESS && c.skipped == c.total) {
                    yield Verdict.skip("every upstream step was skipped; " + rule + " needs one success");
                }
                yield c.done == c.total ? Verdict.run("no upstream step failed (" + c.succeeded + " succeeded, "
                        + c.skipped + " skipped)") : Verdict.waiting(c.done + " of " + c.total
                        + " upstream steps are done so far");
            }
            case AT_LEAST -> {
                int k = rule.quorum();
                if (c.succeeded >= k) {
                    yield Verdict.run(c.succeeded + " of " + c.total + " upstream steps succeeded, at least " + k
                            + " were needed");
                }
                int stillPossible = c.succeeded + (c.total - c.done);
                if (stillPossible < k) {
                    String why = c.succeeded + " succeeded and only " + (c.total - c.done) + " are still running; "
                            + "at least " + k + " successes are out of reach";
                    yield c.failed + c.upstreamFailed > 0 ? Verdict.upstreamFailed(why) : Verdict.skip(why);
                }
                yield Verdict.waiting(c.succeeded + " of the " + k + " upstream successes needed so far");
            }
        };
    }

    private record Counts(int total, int done, int succeeded, int failed, int upstreamFailed, int skipped) {

        static Counts of(Collection<StepState> states) {
            int done = 0;
            int succeeded = 0;
            int failed = 0;
            int upstreamFailed = 0;
            int skipped = 0;
            for (StepState state : states) {
                done += state.done() ? 1 : 0;
                succeeded += state == StepState.SUCCEEDED ? 1 : 0;
                failed += state == StepState.FAILED ? 1 : 0;
                upstreamFailed += state == StepState.UPSTREAM_FAILED ? 1 : 0;
                skipped += state == StepState.SKIPPED ? 1 : 0;
            }
            return new Counts(states.size(), done, succeeded, failed, upstreamFailed, skipped);
        }
    }
}
