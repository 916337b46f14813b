package dev.quiver.orchestration.executors;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.events.EventLimits;
import dev.quiver.orchestration.runs.RunCoordinator;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Where executors and built-in steps running inside the function report: straight to the {@link RunCoordinator}, as
 * the events {@code dev.quiver.step.heartbeat|completed|failed} from {@link #SOURCE}, each with an id of its own.
 *
 * <p>What a step's own code wrote (its outputs file, the error class or metric names of its progress lines) is
 * checked as the CloudEvent endpoint checks an executor's events, since no store could keep a report that breaks
 * them and a report refused would leave the attempt running until its heartbeat timeout: a success or failure report
 * that breaks them fails the attempt as {@code InvalidOutputs} (permanent), naming what is wrong; a heartbeat keeps
 * only the memory the executor measured.
 */
@ApplicationScoped
public class StepReports implements StepReporter {

    static final String SOURCE = "/quiver/orchestration/executors";
    static final String INVALID_OUTPUTS = "InvalidOutputs";

    private static final Logger LOG = Logger.getLogger(StepReports.class);

    private final RunCoordinator coordinator;
    private final EventCodec codec;

    public StepReports(RunCoordinator coordinator, EventCodec codec) {
        this.coordinator = coordinator;
        this.codec = codec;
    }

    @Override
    public void heartbeat(StepHeartbeat heartbeat) {
        List<String> problems = problems(EventTypes.STEP_HEARTBEAT, heartbeat, null);
        StepHeartbeat kept = heartbeat;
        if (!problems.isEmpty()) {
            LOG.warnf("run %s: %s attempt %d: the step's progress line cannot be kept (%s); only its memory is",
                    heartbeat.runId(), heartbeat.instance(), heartbeat.attempt(), String.join("; ", problems));
            kept = new StepHeartbeat(heartbeat.runId(), heartbeat.instance(), heartbeat.attempt(),
                    heartbeat.observedAt(), null, heartbeat.memoryBytes(), heartbeat.memoryLimitBytes(), null, null);
        }
        coordinator.heartbeat(SOURCE, UUID.randomUUID().toString(), kept);
    }

    @Override
    public void completed(StepCompleted completed) {
        List<String> problems = problems(EventTypes.STEP_COMPLETED, completed, completed.artifacts());
        if (!problems.isEmpty()) {
            coordinator.failed(SOURCE, UUID.randomUUID().toString(), new StepFailed(completed.runId(),
                    completed.instance(), completed.attempt(), INVALID_OUTPUTS, null, false,
                    "the step's result cannot be kept: " + String.join("; ", problems)));
            return;
        }
        coordinator.completed(SOURCE, UUID.randomUUID().toString(), completed);
    }

    @Override
    public void failed(StepFailed failed) {
        List<String> problems = problems(EventTypes.STEP_FAILED, failed, failed.artifacts());
        if (!problems.isEmpty()) {
            coordinator.failed(SOURCE, UUID.randomUUID().toString(), new StepFailed(failed.runId(),
                    failed.instance(), failed.attempt(), INVALID_OUTPUTS, failed.exitCode(), failed.killedForMemory(),
                    "the step's failure report cannot be kept: " + String.join("; ", problems)));
            return;
        }
        coordinator.failed(SOURCE, UUID.randomUUID().toString(), failed);
    }

    @Override
    public void evicted(String runId, String instance, int attempt, String message) {
        coordinator.evicted(runId, instance, attempt, message);
    }

    /** An attempt stopped with the function: recorded as interrupted, to run again (see the coordinator). */
    public void interrupted(String runId, String instance, int attempt, String message) {
        coordinator.interrupted(runId, instance, attempt, message);
    }

    private List<String> problems(String type, Record report, List<StepCompleted.Artifact> artifacts) {
        try {
            codec.validate(type, codec.toTree(report));
            EventLimits.requireDistinctNames(type, artifacts);
            return List.of();
        } catch (InvalidEventException e) {
            return e.problems();
        }
    }
}
