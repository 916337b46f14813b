package dev.quiver.orchestration.dag;

/** Where a step instance of a run stands. */
public enum StepState {
    /** Waiting for its trigger rule to hold. */
    PENDING,
    /** Ready, but an identical memoized step of another run is running: it waits for that result. */
    WAITING,
    /** Ready, and waiting for the shared pool to admit it: it holds no room until then. */
    QUEUED,
    /** Handed to its executor, not yet reported running. */
    DISPATCHED,
    RUNNING,
    /** An attempt failed and the retry decision chose another: it waits for its backoff, holding nothing. */
    RETRY_WAIT,
    SUCCEEDED,
    FAILED,
    /** Not run: its trigger rule can no longer hold in a way that asks for it (or its outputs were reused). */
    SKIPPED,
    /** Not run: the upstream failures it depends on make its trigger rule impossible. */
    UPSTREAM_FAILED;

    public boolean done() {
        return this == SUCCEEDED || this == FAILED || this == SKIPPED || this == UPSTREAM_FAILED;
    }

    /** Failed itself or upstream, as Airflow's trigger rules count failures. */
    public boolean failedOrUpstreamFailed() {
        return this == FAILED || this == UPSTREAM_FAILED;
    }
}
