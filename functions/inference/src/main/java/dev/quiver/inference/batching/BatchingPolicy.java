package dev.quiver.inference.batching;

import java.time.Duration;

/**
 * How a model's requests are merged.
 *
 * @param maxBatchSize  most items in one run; 0 or 1 runs every request alone
 * @param maxQueueDelay longest the oldest request of a forming batch waits for others
 * @param instances     runs of the model at once, each on its own thread
 * @param inlineMaxCompute an idle model whose single runs take less may run on an event-loop caller's thread
 */
public record BatchingPolicy(int maxBatchSize, Duration maxQueueDelay, int instances, Duration inlineMaxCompute) {

    public BatchingPolicy {
        if (maxBatchSize < 0 || instances < 1 || maxQueueDelay.isNegative() || inlineMaxCompute.isNegative()) {
            throw new IllegalArgumentException("invalid batching policy: max batch size " + maxBatchSize
                    + ", max queue delay " + maxQueueDelay + ", instances " + instances + ", inline max compute "
                    + inlineMaxCompute);
        }
    }

    public boolean merges() {
        return maxBatchSize > 1;
    }
}
