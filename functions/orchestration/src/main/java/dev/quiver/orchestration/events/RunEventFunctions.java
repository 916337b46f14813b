package dev.quiver.orchestration.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.funqy.knative.events.CloudEventMapping;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The run events the orchestration function takes, each routed by its type: the body checks the data against the
 * type's schema, hands it to the {@link RunCoordinator} and answers with no event (the events that follow go out
 * through the outbox, as there may be several).
 */
public class RunEventFunctions {

    private final RunCoordinator coordinator;
    private final EventCodec codec;
    private final ObjectMapper json;

    public RunEventFunctions(RunCoordinator coordinator, EventCodec codec, ObjectMapper json) {
        this.coordinator = coordinator;
        this.codec = codec;
        this.json = json;
    }

    @Funq("pipeline-run-requested")
    @CloudEventMapping(trigger = EventTypes.PIPELINE_RUN_REQUESTED)
    public void runRequested(CloudEvent<JsonNode> event) {
        coordinator.requested(event.source(), event.id(), data(event, RunRequested.class));
    }

    @Funq("step-completed")
    @CloudEventMapping(trigger = EventTypes.STEP_COMPLETED)
    public void stepCompleted(CloudEvent<JsonNode> event) {
        coordinator.completed(event.source(), event.id(), data(event, StepCompleted.class));
    }

    @Funq("step-heartbeat")
    @CloudEventMapping(trigger = EventTypes.STEP_HEARTBEAT)
    public void stepHeartbeat(CloudEvent<JsonNode> event) {
        coordinator.heartbeat(event.source(), event.id(), data(event, StepHeartbeat.class));
    }

    @Funq("step-failed")
    @CloudEventMapping(trigger = EventTypes.STEP_FAILED)
    public void stepFailed(CloudEvent<JsonNode> event) {
        coordinator.failed(event.source(), event.id(), data(event, StepFailed.class));
    }

    private <T extends Record> T data(CloudEvent<JsonNode> event, Class<T> type) {
        JsonNode data;
        try {
            data = event.data();
        } catch (UncheckedIOException e) {
            // Funqy reads binary-mode data lazily: an unparseable body surfaces here
            throw new InvalidEventException(event.type(), List.of("data: not valid JSON (" + e.getCause().getMessage()
                    + ")"));
        }
        if (data == null || data.isNull() || data.isMissingNode()) {
            throw new InvalidEventException(event.type(), List.of("data: required, a JSON object"));
        }
        codec.validate(event.type(), data);
        try {
            return json.treeToValue(data, type);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(event.type(), List.of("data: " + e.getOriginalMessage()));
        }
    }
}
