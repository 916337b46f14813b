package dev.quiver.inference.modelconfig;

import java.time.Duration;

/**
 * The function-wide batching settings ({@code quiver.inference.batching.*}) that a model's configuration may override.
 */
public record BatchingDefaults(int maxBatchSize, Duration maxQueueDelay, Duration inlineMaxCompute) {
}
