package dev.quiver.orchestration.executors;

import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.runs.RunCoordinator;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Where an executor running inside the function reports: straight to the {@link RunCoordinator}, as the events
 * {@code dev.quiver.step.heartbeat|completed|failed} from {@link #SOURCE}, each with an id of its own.
 */
@ApplicationScoped
public class StepReports {

    static final String SOURCE = "/quiver/executors/process";

    private final RunCoordinator coordinator;

    public StepReports(RunCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    void heartbeat(StepHeartbeat heartbeat) {
        coordinator.heartbeat(SOURCE, UUID.randomUUID().toString(), heartbeat);
    }

    void completed(StepCompleted completed) {
        coordinator.completed(SOURCE, UUID.randomUUID().toString(), completed);
    }

    void failed(StepFailed failed) {
        coordinator.failed(SOURCE, UUID.randomUUID().toString(), failed);
    }
}
