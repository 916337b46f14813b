package dev.quiver.orchestration.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a retry decision weighs: the failure, the time series the failed attempt recorded while it ran, the same
 * step's earlier attempts, its inputs, the time it has, and how much retry budget is left. Read from the store by
 * {@code FailureEvidenceReader}; the decision itself is a pure function of it.
 *
 * @param failure             the attempt that failed and how
 * @param earlierAttempts     the same instance's earlier attempts in this run, oldest first
 * @param memory              resident memory samples of the failed attempt (bytes)
 * @param memoryLimitBytes    the failed attempt's memory limit
 * @param progress            progress samples of the failed attempt (percent)
 * @param metrics             quality metric samples of the failed attempt by name, for example per epoch
 * @param dataChecks          the latest value of each data availability check of the failed attempt
 * @param inputs              the artifacts the failed attempt was given, and whether each is still there
 * @param attemptStarted      when the failed attempt was dispatched
 * @param failedAt            when it failed
 * @param sinceFirstAttempt   from the dispatch of the instance's first attempt to this failure
 * @param deadline            the step's deadline per attempt, if it has one
 * @param qualityBar          the bar the step's model must reach: the threshold of the selection step downstream, or
 *                            the policy's own
 * @param partialResult       whether the failed attempt left artifacts (a checkpoint or model)
 * @param upstreamReruns      how many RERUN_UPSTREAM decisions this run has already had
 * @param budget              how much of the pipeline's and the tenant's retry budget is left
 */
public record FailureEvidence(Failure failure, List<PastAttempt> earlierAttempts, List<Sample> memory,
                              long memoryLimitBytes, List<Sample> progress, Map<String, List<Sample>> metrics,
                              Map<String, Boolean> dataChecks, List<Input> inputs, Instant attemptStarted,
                              Instant failedAt, Duration sinceFirstAttempt, Optional<Duration> deadline,
                              Optional<QualityBar> qualityBar, boolean partialResult, int upstreamReruns,
                              BudgetLeft budget) {

    public FailureEvidence {
        earlierAttempts = List.copyOf(earlierAttempts);
        memory = List.copyOf(memory);
        progress = List.copyOf(progress);
        metrics = Map.copyOf(metrics);
        dataChecks = Map.copyOf(dataChecks);
        inputs = List.copyOf(inputs);
    }

    /** What the executor reported of the failed attempt; {@code attempt} counts only attempts not preempted. */
    public record Failure(int attempt, String errorClass, Integer exitCode, boolean killedForMemory,
                          String message) {
    }

    /** An earlier attempt of the same instance, as it ended. */
    public record PastAttempt(int attempt, String errorClass, Integer exitCode, boolean killedForMemory,
                              Double peakProgress, long memoryLimitBytes) {
    }

    /** One value of a time series. */
    public record Sample(Instant at, double value) {
    }

    /**
     * An artifact the attempt was given.
     *
     * @param producer     the upstream instance that produced it
     * @param availability whether it is still there as it was produced
     */
    public record Input(String producer, String name, String uri, Availability availability) {

        /** Whether the attempt cannot have read it as it was produced: gone, or changed since. */
        public boolean lost() {
            return availability == Availability.GONE || availability == Availability.CORRUPT;
        }
    }

    /** What is known of an input artifact now. */
    public enum Availability {
        /** There, and its digest matches when it was checked. */
        PRESENT,
        /** No longer there (or unreadable). */
        GONE,
        /** There, but its content no longer matches the digest it was produced with. */
        CORRUPT,
        /** Cannot be checked from here (an object store location). */
        UNCHECKED
    }

    /** The metric a model is judged by, and the value it must reach. */
    public record QualityBar(String metric, double threshold, boolean lowerIsBetter, String source) {
    }

    /** Retries left in the current window, for the pipeline and for the tenant that asked for the run. */
    public record BudgetLeft(String pipeline, int pipelineLeft, String tenant, int tenantLeft) {
    }
}
