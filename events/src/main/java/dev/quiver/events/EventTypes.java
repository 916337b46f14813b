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

    /** Per-caller admission counts of one replica over a window, for audit. */
    public static final String ADMISSION_USAGE_REPORTED = "dev.quiver.admission.usage.reported";

    private EventTypes() {
    }
}
