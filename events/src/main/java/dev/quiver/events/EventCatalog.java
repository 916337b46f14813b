package dev.quiver.events;

import dev.quiver.events.admission.UsageReported;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.events.inference.InferenceRequested;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps each event type to its payload record. The JSON Schema of a type lives on the classpath at
 * {@code /dev/quiver/events/schemas/<type>.json}.
 */
public final class EventCatalog {

    private static final Map<String, Class<? extends Record>> PAYLOADS = Map.of(
            EventTypes.INFERENCE_REQUESTED, InferenceRequested.class,
            EventTypes.INFERENCE_COMPLETED, InferenceCompleted.class,
            EventTypes.INFERENCE_FAILED, InferenceFailed.class,
            EventTypes.INFERENCE_BATCH_COMPLETED, BatchCompleted.class,
            EventTypes.ADMISSION_USAGE_REPORTED, UsageReported.class);

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
