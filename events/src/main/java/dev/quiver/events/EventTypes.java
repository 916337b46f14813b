package dev.quiver.events;

/**
 * Every CloudEvent type Quiver consumes or produces, named once. The constants are compile-time strings so that
 * functions can declare them in annotations ({@code @CloudEventMapping(trigger = EventTypes.INFERENCE_REQUESTED)}).
 *
 * <p>The payload record and JSON Schema of each type are registered in {@link EventCatalog}; how a type may evolve is
 * written down in {@code events/VERSIONING.md}.
 */
public final class EventTypes {

    /** Asks for a prediction; answered by {@link #INFERENCE_COMPLETED} or {@link #INFERENCE_FAILED}. */
    public static final String INFERENCE_REQUESTED = "dev.quiver.inference.requested";

    /** The outputs of a prediction, correlated to its request by the {@code correlationid} extension. */
    public static final String INFERENCE_COMPLETED = "dev.quiver.inference.completed";

    /** A prediction request that can never succeed as sent (unknown model, invalid tensor). */
    public static final String INFERENCE_FAILED = "dev.quiver.inference.failed";

    /** A file that landed in object storage has been run through a model: where the results and errors are. */
    public static final String INFERENCE_BATCH_COMPLETED = "dev.quiver.inference.batch.completed";

    /**
     * One shard of a large object to run through a model: a byte range aligned to row boundaries, with the line its
     * first row is on. The shards' results are merged into one {@link #INFERENCE_BATCH_COMPLETED}.
     */
    public static final String INFERENCE_SHARD_REQUESTED = "dev.quiver.inference.shard.requested";

    /** A model version taken out of service because too many of its answers failed their output checks. */
    public static final String INFERENCE_VERSION_ALERT_RAISED = "dev.quiver.inference.version.alert.raised";

    /**
     * Something about a model version needs a person: stale, constant answers, drifted inputs, a failed golden set,
     * falling live accuracy, or a rolled-back canary.
     */
    public static final String MODEL_ALERT_RAISED = "dev.quiver.model.alert.raised";

    /** The true answer for an earlier prediction, by its inference id, for live accuracy. */
    public static final String INFERENCE_LABEL = "dev.quiver.inference.label";

    /** Per-caller admission counts of one replica over a window, for audit. */
    public static final String ADMISSION_USAGE_REPORTED = "dev.quiver.admission.usage.reported";

    /** One replica of a serving function reports its demand: requests per model, and the room they take. */
    public static final String SERVING_DEMAND_REPORTED = "dev.quiver.serving.demand.reported";

    /** Asks for a run of a registered pipeline; the orchestrator creates the run and dispatches its root steps. */
    public static final String PIPELINE_RUN_REQUESTED = "dev.quiver.pipeline.run.requested";

    /** A step instance handed to its executor, which answers with completed or failed. */
    public static final String STEP_DISPATCHED = "dev.quiver.step.dispatched";

    /** An executor's report that a step instance succeeded: outputs, metrics and artifacts. */
    public static final String STEP_COMPLETED = "dev.quiver.step.completed";

    /** An executor's report that a step instance failed, with what is known of why. */
    public static final String STEP_FAILED = "dev.quiver.step.failed";

    /**
     * What an executor observed while a step instance ran: progress, memory against its limit, quality metrics per
     * epoch, data availability. Recorded as time series that the retry decision reads.
     */
    public static final String STEP_HEARTBEAT = "dev.quiver.step.heartbeat";

    /** A clock tick (a Knative PingSource, or the function's own timer when embedded) that fires due timers. */
    public static final String SCHEDULER_TICK = "dev.quiver.scheduler.tick";

    /**
     * The tick of a Knative PingSource, whose type Knative fixes: a type Quiver consumes but does not name. Its data is
     * the PingSource's {@code data} ({@code {}} in {@code knative/manifests/base/ping-source.yaml}), read as a
     * {@link #SCHEDULER_TICK}'s.
     */
    public static final String PING_SOURCE_TICK = "dev.knative.sources.ping";

    /** A step instance that will not run, and why (its trigger rule cannot hold, or its outputs were reused). */
    public static final String STEP_SKIPPED = "dev.quiver.step.skipped";

    /** What was decided about a failed attempt (retry, with more memory, re-run upstream, accept, abandon, give up). */
    public static final String STEP_RETRY_DECIDED = "dev.quiver.step.retry.decided";

    /** A step given up on: retries spent, or the same failure again with no progress. */
    public static final String STEP_ALERT_RAISED = "dev.quiver.step.alert.raised";

    /** A running attempt stopped to give its room in the pool to higher-priority work: its executor kills it. */
    public static final String STEP_PREEMPTED = "dev.quiver.step.preempted";

    /** The shared pool admitted a step attempt's workload: it is dispatched in the same decision. */
    public static final String POOL_WORKLOAD_ADMITTED = "dev.quiver.pool.workload.admitted";

    /** An operator's order about a run: cancel, kill or restart an attempt, rerun from a step. */
    public static final String RUN_CONTROL_REQUESTED = "dev.quiver.pipeline.run.control.requested";

    /** An operator stopped a running attempt: its executor stops it. */
    public static final String STEP_CANCELLED = "dev.quiver.step.cancelled";

    /** A run longer than its pipeline's SLA, or a step's attempt longer than its expected duration. */
    public static final String SLA_MISSED = "dev.quiver.pipeline.sla.missed";

    /** A run whose every step instance is done and whose final steps succeeded or were skipped. */
    public static final String PIPELINE_RUN_COMPLETED = "dev.quiver.pipeline.run.completed";

    /** A run whose every step instance is done and one of whose final steps failed, or that an operator cancelled. */
    public static final String PIPELINE_RUN_FAILED = "dev.quiver.pipeline.run.failed";

    private EventTypes() {
    }
}
