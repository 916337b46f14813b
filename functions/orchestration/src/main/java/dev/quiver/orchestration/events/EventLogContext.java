package dev.quiver.orchestration.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.events.CorrelationExtensions;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonCloudEventData;
import org.jboss.logging.MDC;

/**
 * The run and the step a piece of work belongs to, in the log context ({@code runId}, {@code stepId}) of every line it
 * logs while open, beside the request id and the trace and span ids; closing puts back what was there before, so a
 * worker thread carries nothing over to its next piece of work.
 */
public final class EventLogContext implements AutoCloseable {

    public static final String RUN_ID = "runId";
    public static final String STEP_ID = "stepId";

    private final Object previousRun;
    private final Object previousStep;

    private EventLogContext(String runId, String stepId) {
        this.previousRun = MDC.get(RUN_ID);
        this.previousStep = MDC.get(STEP_ID);
        put(RUN_ID, runId);
        put(STEP_ID, stepId);
    }

    /** For the work on one step of one run; either may be null when the work has none. */
    public static EventLogContext of(String runId, String stepId) {
        return new EventLogContext(runId, stepId);
    }

    /**
     * For the handling of {@code event}: its {@code runid} and {@code stepid} attributes, or else the {@code runId}
     * and {@code instance} of its data (an executor's step reports name them there).
     */
    public static EventLogContext of(CloudEvent event) {
        JsonNode data = event.getData() instanceof JsonCloudEventData json ? json.getNode() : null;
        return new EventLogContext(attribute(event, CorrelationExtensions.RUN_ID, data, "runId"),
                attribute(event, CorrelationExtensions.STEP_ID, data, "instance"));
    }

    @Override
    public void close() {
        put(RUN_ID, previousRun);
        put(STEP_ID, previousStep);
    }

    private static String attribute(CloudEvent event, String extension, JsonNode data, String field) {
        Object value = event.getExtension(extension);
        if (value != null) {
            return value.toString();
        }
        return data != null && data.path(field).isTextual() ? data.get(field).asText() : null;
    }

    private static void put(String key, Object value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
