package dev.quiver.orchestration.retry.backoff;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The decisions for a step whose every attempt fails the moment it starts, so that the time since the first attempt
 * is the sum of the delays before: the timeline the documented examples describe.
 */
final class InstantFailures {

    private InstantFailures() {
    }

    /** Up to and including the first stop; fails if the policy has not stopped after {@code most} failures. */
    static List<BackoffDecision> decisions(BackoffPolicy policy, int most, RandomGenerator random) {
        List<BackoffDecision> decisions = new ArrayList<>();
        Duration elapsed = Duration.ZERO;
        for (int attempt = 1; attempt <= most; attempt++) {
            BackoffDecision decision = policy.next(attempt, elapsed, null, random);
            decisions.add(decision);
            if (decision instanceof BackoffDecision.Retry(Duration delay)) {
                elapsed = elapsed.plus(delay);
            } else {
                return decisions;
            }
        }
        throw new AssertionError("no stop after " + most + " failures: " + decisions);
    }

    /** The delays of {@link #decisions}, the final stop left out. */
    static List<Duration> delays(BackoffPolicy policy, int most, RandomGenerator random) {
        List<BackoffDecision> decisions = decisions(policy, most, random);
        return decisions.subList(0, decisions.size() - 1).stream()
                .map(decision -> ((BackoffDecision.Retry) decision).delay())
                .toList();
    }

    /** The reason of the stop that ends {@link #decisions}. */
    static String stopReason(BackoffPolicy policy, int most, RandomGenerator random) {
        List<BackoffDecision> decisions = decisions(policy, most, random);
        return ((BackoffDecision.Stop) decisions.getLast()).reason();
    }
}
