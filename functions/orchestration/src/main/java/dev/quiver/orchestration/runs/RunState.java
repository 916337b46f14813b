package dev.quiver.orchestration.runs;

/** A run's state, as the runs table stores it. */
public enum RunState {
    /** Steps are pending, running or waiting to be retried. */
    RUNNING,
    /** Every step settled and the pipeline's outcome is success. */
    SUCCEEDED,
    /** Every step settled and a step the outcome depends on failed. */
    FAILED,
    /** An operator cancelled it: its running attempts were stopped, and nothing else runs unless it is restarted. */
    CANCELLED
}
