package dev.quiver.orchestration.memo;

import dev.quiver.orchestration.pipeline.Memoization;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether an earlier result may stand in for running a step: a pure function of the step's policy, the earlier
 * result (if any) and the inputs' record count now.
 *
 * @param hit    reuse the entry
 * @param reason why, for the run's record and the skipped event
 */
public record MemoDecision(boolean hit, String reason) {

    /** What is known of an earlier result. */
    public record Entry(String runId, String instance, int attempt, Instant createdAt, Double inputRecords) {
    }

    public static MemoDecision decide(Memoization policy, Optional<Entry> entry, Instant now, Double inputRecords) {
        if (entry.isEmpty()) {
            return new MemoDecision(false, "no earlier result with the same definition, parameters and inputs");
        }
        Entry earlier = entry.get();
        Duration age = Duration.between(earlier.createdAt(), now);
        if (policy.maxAge().isPresent() && age.compareTo(policy.maxAge().get()) > 0) {
            return new MemoDecision(false, "the earlier result is " + age + " old, more than max-age "
                    + policy.maxAge().get());
        }
        if (policy.contentChange().isPresent() && inputRecords != null && earlier.inputRecords() != null) {
            double change = Math.abs(inputRecords - earlier.inputRecords()) / Math.max(1, earlier.inputRecords());
            if (change > policy.contentChange().get()) {
                return new MemoDecision(false, String.format(Locale.ROOT, "the inputs' records changed by "
                        + "%.1f%% (%s to %s), more than content-change %.1f%%", change * 100,
                        earlier.inputRecords(), inputRecords, policy.contentChange().get() * 100));
            }
        }
        return new MemoDecision(true, "memoized: reusing the result of run " + earlier.runId() + " "
                + earlier.instance() + " attempt " + earlier.attempt() + " (" + age + " old)");
    }
}
