package dev.quiver.orchestration.executors;

import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;

/** Where an executor reports what became of an attempt. */
public interface StepReporter {

    void heartbeat(StepHeartbeat heartbeat);

    void completed(StepCompleted completed);

    void failed(StepFailed failed);

    /** The attempt stopped running to wait for its admission again (Kueue evicted its Job); it is not over. */
    void evicted(String runId, String instance, int attempt, String message);
}
