package dev.quiver.orchestration.events;

import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.RunControlRequested;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The run events the orchestration function takes ({@link EventEndpoint} routes each by its type): the body reads the
 * data as its payload record, checked against the type's schema and the store's {@link EventLimits}, hands it to the
 * {@link RunCoordinator} and answers
 * with no event (the events that follow go out through the outbox, as there may be several).
 */
@ApplicationScoped
public class RunEventFunctions {

    private final RunCoordinator coordinator;
    private final EventCodec codec;

    public RunEventFunctions(RunCoordinator coordinator, EventCodec codec) {
        this.coordinator = coordinator;
        this.codec = codec;
    }

    /**
     * {@code dev.quiver.pipeline.run.requested}, sent by a caller on {@code plan}: the pool's {@code work.plans}
     * may name its queue.
     */
    void runRequested(CloudEvent event, Optional<String> plan) {
        EventLimits.requireStorable(event);
        coordinator.requested(source(event), event.getId(), codec.decode(event, RunRequested.class), plan);
    }

    /** {@code dev.quiver.step.completed}. */
    void stepCompleted(CloudEvent event) {
        EventLimits.requireStorable(event);
        StepCompleted completed = codec.decode(event, StepCompleted.class);
        EventLimits.requireDistinctNames(event.getType(), completed.artifacts());
        coordinator.completed(source(event), event.getId(), completed);
    }

    /** {@code dev.quiver.step.heartbeat}. */
    void stepHeartbeat(CloudEvent event) {
        EventLimits.requireStorable(event);
        coordinator.heartbeat(source(event), event.getId(), codec.decode(event, StepHeartbeat.class));
    }

    /** {@code dev.quiver.step.failed}. */
    void stepFailed(CloudEvent event) {
        EventLimits.requireStorable(event);
        StepFailed failed = codec.decode(event, StepFailed.class);
        EventLimits.requireDistinctNames(event.getType(), failed.artifacts());
        coordinator.failed(source(event), event.getId(), failed);
    }

    /**
     * {@code dev.quiver.pipeline.run.control.requested}: recorded as asked by its {@code requestedBy}, else by the
     * event's source.
     */
    void controlRequested(CloudEvent event) {
        EventLimits.requireStorable(event);
        RunControlRequested order = codec.decode(event, RunControlRequested.class);
        coordinator.control(source(event), event.getId(), order, order.requestedBy() != null
                ? order.requestedBy() + " via " + source(event) : source(event));
    }

    /** The source as it was sent: a run's id follows from it and the event's id. */
    private static String source(CloudEvent event) {
        return event.getSource().toString();
    }
}
