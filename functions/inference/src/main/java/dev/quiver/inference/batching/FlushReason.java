package dev.quiver.inference.batching;

/** Why a batch was run when it was. */
public enum FlushReason {
    /** The batch reached the model's maximum batch size, or the next request would not fit. */
    FULL,
    /** The oldest request waited the model's maximum queue delay. */
    DELAY,
    /** No other request was arriving for this model, so waiting could not make the batch larger. */
    IDLE,
    /**
     * Another of the model's instances was not running: a request that arrives can start on it at once, so waiting
     * for it would only keep this batch from its core.
     */
    INSTANCE_FREE,
    /** Batching is off for this model, or the request alone is larger than the maximum batch size. */
    SINGLE
}
