package dev.quiver.events;

import dev.quiver.events.admission.UsageReported;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.events.inference.InferenceRequested;
import dev.quiver.events.inference.ShardRequested;
import dev.quiver.events.inference.VersionAlert;
import dev.quiver.events.model.InferenceLabel;
import dev.quiver.events.model.ModelAlert;
import dev.quiver.events.pipeline.RunControlRequested;
import dev.quiver.events.pipeline.RunFinished;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.SchedulerTick;
import dev.quiver.events.pipeline.SlaMissed;
import dev.quiver.events.pipeline.StepAlert;
import dev.quiver.events.pipeline.StepCancelled;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.pipeline.StepPreempted;
import dev.quiver.events.pipeline.StepRetryDecided;
import dev.quiver.events.pipeline.StepSkipped;
import dev.quiver.events.pool.WorkloadAdmitted;
import dev.quiver.events.serving.DemandReported;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps each event type to its payload record. The JSON Schema of a type lives on the classpath at
 * {@code /dev/quiver/events/schemas/<type>.json}.
 */
public final class EventCatalog {

    private static final Map<String, Class<? extends Record>> PAYLOADS = Map.ofEntries(
            Map.entry(EventTypes.INFERENCE_REQUESTED, InferenceRequested.class),
            Map.entry(EventTypes.INFERENCE_COMPLETED, InferenceCompleted.class),
            Map.entry(EventTypes.INFERENCE_FAILED, InferenceFailed.class),
            Map.entry(EventTypes.INFERENCE_BATCH_COMPLETED, BatchCompleted.class),
            Map.entry(EventTypes.INFERENCE_SHARD_REQUESTED, ShardRequested.class),
            Map.entry(EventTypes.INFERENCE_VERSION_ALERT_RAISED, VersionAlert.class),
            Map.entry(EventTypes.MODEL_ALERT_RAISED, ModelAlert.class),
            Map.entry(EventTypes.INFERENCE_LABEL, InferenceLabel.class),
            Map.entry(EventTypes.ADMISSION_USAGE_REPORTED, UsageReported.class),
            Map.entry(EventTypes.SERVING_DEMAND_REPORTED, DemandReported.class),
            Map.entry(EventTypes.PIPELINE_RUN_REQUESTED, RunRequested.class),
            Map.entry(EventTypes.STEP_DISPATCHED, StepDispatched.class),
            Map.entry(EventTypes.STEP_COMPLETED, StepCompleted.class),
            Map.entry(EventTypes.STEP_FAILED, StepFailed.class),
            Map.entry(EventTypes.STEP_SKIPPED, StepSkipped.class),
            Map.entry(EventTypes.STEP_RETRY_DECIDED, StepRetryDecided.class),
            Map.entry(EventTypes.STEP_ALERT_RAISED, StepAlert.class),
            Map.entry(EventTypes.STEP_PREEMPTED, StepPreempted.class),
            Map.entry(EventTypes.POOL_WORKLOAD_ADMITTED, WorkloadAdmitted.class),
            Map.entry(EventTypes.RUN_CONTROL_REQUESTED, RunControlRequested.class),
            Map.entry(EventTypes.STEP_CANCELLED, StepCancelled.class),
            Map.entry(EventTypes.SLA_MISSED, SlaMissed.class),
            Map.entry(EventTypes.STEP_HEARTBEAT, StepHeartbeat.class),
            Map.entry(EventTypes.SCHEDULER_TICK, SchedulerTick.class),
            Map.entry(EventTypes.PING_SOURCE_TICK, SchedulerTick.class),
            Map.entry(EventTypes.PIPELINE_RUN_COMPLETED, RunFinished.class),
            Map.entry(EventTypes.PIPELINE_RUN_FAILED, RunFinished.class));

    private EventCatalog() {
    }

    public static Set<String> types() {
        return PAYLOADS.keySet();
    }

    public static Optional<Class<? extends Record>> payloadOf(String type) {
        return Optional.ofNullable(PAYLOADS.get(type));
    }

    public static String schemaResource(String type) {
        return "/dev/quiver/events/schemas/" + type + ".json";
    }
}
