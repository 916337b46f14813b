package dev.quiver.orchestration.pipeline;

import java.time.Duration;
import java.util.Optional;

/**
 * When a step's recorded outputs may stand in for running it again (the key is a digest of the step, its parameters,
 * its inputs' content digests and the code version).
 *
 * @param maxAge        outputs younger than this are fresh (ingested data is fresh for two weeks)
 * @param contentChange re-run when a source's record count changed by more than this fraction, even if fresh
 */
public record Memoization(Optional<Duration> maxAge, Optional<Double> contentChange) {
}
