package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureEvidence.PastAttempt;
import dev.quiver.orchestration.retry.FailureEvidence.Sample;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The same failure, attempt after attempt, without getting further: the sign that retrying is not going to change
 * anything, whatever the failure's kind says. It is what stops a crash that more waiting does not cure before the
 * attempts or the budget run out. Attempts that ran under different memory limits are not the same: more memory is
 * what was being tried, and the memory rule's ceiling is what bounds it.
 *
 * @param times        how many attempts in a row failed this way, the failed one included
 * @param peakProgress the furthest any of them got, in percent
 */
record RepeatedFailure(int times, double peakProgress) {

    /**
     * Present when the last {@code limit} attempts failed with the failed attempt's error class and exit code, under
     * its memory limit, and none got further than the oldest of them. An attempt that reported no progress counts as
     * 0%.
     */
    static Optional<RepeatedFailure> of(FailureEvidence evidence, int limit) {
        List<PastAttempt> earlier = evidence.earlierAttempts();
        if (earlier.size() < limit - 1) {
            return Optional.empty();
        }
        FailureEvidence.Failure failure = evidence.failure();
        List<PastAttempt> recent = earlier.subList(earlier.size() - (limit - 1), earlier.size());
        boolean same = recent.stream().allMatch(attempt -> Objects.equals(attempt.errorClass(), failure.errorClass())
                && Objects.equals(attempt.exitCode(), failure.exitCode())
                && attempt.memoryLimitBytes() == evidence.memoryLimitBytes());
        if (!same) {
            return Optional.empty();
        }
        double oldest = progressOf(recent.getFirst());
        double latest = evidence.progress().stream().mapToDouble(Sample::value).max().orElse(0);
        boolean stuck = latest <= oldest
                && recent.stream().skip(1).allMatch(attempt -> progressOf(attempt) <= oldest);
        return stuck ? Optional.of(new RepeatedFailure(limit, oldest)) : Optional.empty();
    }

    private static double progressOf(PastAttempt attempt) {
        return attempt.peakProgress() == null ? 0 : attempt.peakProgress();
    }
}
