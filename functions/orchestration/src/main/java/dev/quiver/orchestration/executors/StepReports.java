package dev.quiver.orchestration.executors;

import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.runs.RunCoordinator;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Where executors and built-in steps running inside the function report: straight to the {@link RunCoordinator}, as
 * the events {@code dev.quiver.step.heartbeat|completed|failed} from {@link #SOURCE}, each with an id of its own.
 */
@ApplicationScoped
public class StepReports implements StepReporter {

    static final String SOURCE = "/quiver/orchestration/executors";

    private final RunCoordinator coordinator;

    public StepReports(RunCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public void heartbeat(StepHeartbeat heartbeat) {
        coordinator.heartbeat(SOURCE, UUID.randomUUID().toString(), heartbeat);
    }

    @Override
    public void completed(StepCompleted completed) {
        coordinator.completed(SOURCE, UUID.randomUUID().toString(), completed);
    }

    @Override
    public void failed(StepFailed failed) {
        coordinator.failed(SOURCE, UUID.randomUUID().toString(), failed);
    }

    /** An attempt stopped with the function: recorded as interrupted, to run again (see the coordinator). */
    public void interrupted(String runId, String instance, int attempt, String message) {
        coordinator.interrupted(runId, instance, attempt, message);
    }
}
