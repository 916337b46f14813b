package dev.quiver.orchestration.retry;

/** What is done about a failed attempt. */
public enum RetryAction {
    /** A transient cause: the same step again after a backoff. */
    RETRY,
    /** Killed for memory, or a sudden spike near the limit: again after a backoff, with more memory. */
    RETRY_WITH_RESOURCES,
    /** The input it needed is gone: the producer's memoized output is dropped and it runs again, then this step. */
    RERUN_UPSTREAM,
    /** It had converged and left a usable result: that result is taken as the step's, and the pipeline goes on. */
    ACCEPT_PARTIAL,
    /** Not worth another attempt (a permanent error, a deadline it cannot meet, a bar it cannot reach). */
    ABANDON,
    /** Attempts, time or retry budget spent, or the same failure again with no progress: failed, and an alert. */
    GIVE_UP;

    /** Whether the action spends the retry budget of the pipeline and of its tenant. */
    public boolean spendsBudget() {
        return this == RETRY || this == RETRY_WITH_RESOURCES || this == RERUN_UPSTREAM;
    }
}
