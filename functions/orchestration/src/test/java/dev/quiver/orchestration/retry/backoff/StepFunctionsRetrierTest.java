package dev.quiver.orchestration.retry.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Step Functions retriers against the examples of the AWS Step Functions Developer Guide, "Handling errors in Step
 * Functions workflows" (concepts-error-handling), in its current and earlier editions.
 */
class StepFunctionsRetrierTest {

    @Test
    void backoffRateTwoFromThreeSeconds() {
        // BackoffRate: "say your IntervalSeconds is 3, MaxAttempts is 3, and BackoffRate is 2. The first retry attempt
        // takes place three seconds after the error occurs. The second retry takes place six seconds after the first
        // retry attempt. While the third retry takes place 12 seconds after the second retry attempt."
        StepFunctionsRetrier retrier = new StepFunctionsRetrier(3, 2, 3, Optional.empty(), Jitter.NONE);

        assertThat(InstantFailures.delays(retrier, 10, Draws.NONE))
                .containsExactly(seconds(3), seconds(6), seconds(12));
        assertThat(InstantFailures.stopReason(retrier, 10, Draws.NONE))
                .isEqualTo("MaxAttempts 3 reached: attempt 4 failed after 3 retries");
    }

    @Test
    void fullJitterDrawsEachRetryBetweenZeroAndItsInterval() {
        // JitterStrategy: "MaxAttempts as 3, IntervalSeconds as 2, and BackoffRate as 2 ... two seconds ... four
        // seconds ... eight seconds ... If you set JitterStrategy as FULL, the first retry interval is randomized
        // between 0 and 2 seconds, the second retry interval is randomized between 0 and 4 seconds, and the third
        // retry interval is randomized between 0 and 8 seconds."
        StepFunctionsRetrier none = new StepFunctionsRetrier(2, 2, 3, Optional.empty(), Jitter.NONE);
        StepFunctionsRetrier full = new StepFunctionsRetrier(2, 2, 3, Optional.empty(), Jitter.FULL);
        List<Duration> intervals = List.of(seconds(2), seconds(4), seconds(8));

        assertThat(InstantFailures.delays(none, 10, Draws.NONE)).isEqualTo(intervals);
        RandomGenerator random = new SplittableRandom(3);
        for (int draw = 0; draw < 500; draw++) {
            for (int attempt = 1; attempt <= 3; attempt++) {
                BackoffDecision decision = full.next(attempt, Duration.ZERO, null, random);
                assertThat(((Retry) decision).delay()).isBetween(Duration.ZERO, intervals.get(attempt - 1));
            }
        }
        assertThat(full.next(3, Duration.ZERO, null, Draws.always(0.25))).isEqualTo(new Retry(seconds(2)));
        assertThat(full.next(4, Duration.ZERO, null, Draws.always(0.25))).isInstanceOf(Stop.class);
    }

    @Test
    void backoffRateOneKeepsTheInterval() {
        // Example 1 – Retry with BackoffRate: IntervalSeconds 3, MaxAttempts 2, BackoffRate 1: "the first retry taking
        // place after waiting for three seconds ... the second retry attempt starts after waiting for three seconds
        // after the first retry."
        StepFunctionsRetrier retrier = new StepFunctionsRetrier(3, 1, 2, Optional.empty(), Jitter.NONE);

        assertThat(InstantFailures.delays(retrier, 10, Draws.NONE)).containsExactly(seconds(3), seconds(3));
    }

    @Test
    void maxDelaySecondsLimitsTheGrowth() {
        // Example 2 – Retry with MaxDelaySeconds: IntervalSeconds 3, MaxAttempts 3, BackoffRate 2, MaxDelaySeconds 5,
        // JitterStrategy FULL: "The first retry takes place after waiting for three seconds. The second and third retry
        // attempts take place after waiting for five seconds"; without MaxDelaySeconds, 6 and 12 s.
        StepFunctionsRetrier asDocumented = new StepFunctionsRetrier(3, 2, 3, Optional.of(5), Jitter.FULL);
        StepFunctionsRetrier withoutJitter = new StepFunctionsRetrier(3, 2, 3, Optional.of(5), Jitter.NONE);

        assertThat(InstantFailures.delays(withoutJitter, 10, Draws.NONE))
                .containsExactly(seconds(3), seconds(5), seconds(5));
        assertThat(InstantFailures.delays(asDocumented, 10, Draws.always(0.5)))
                .containsExactly(Duration.ofMillis(1500), Duration.ofMillis(2500), Duration.ofMillis(2500));
    }

    @Test
    void backoffRateOneAndAHalfWaitsFourAndAHalfSeconds() {
        // Earlier edition ("Error Handling", Retrying after an Error): IntervalSeconds 3, MaxAttempts 2, BackoffRate
        // 1.5 "makes 2 retry attempts after waiting for 3 and 4.5 seconds".
        StepFunctionsRetrier retrier = new StepFunctionsRetrier(3, 1.5, 2, Optional.empty(), Jitter.NONE);

        assertThat(InstantFailures.delays(retrier, 10, Draws.NONE))
                .containsExactly(seconds(3), Duration.ofMillis(4500));
    }

    @Test
    void complexScenarioRetrierStopsAfterItsTwoRetries() {
        // Example 4 – Complex retry scenario, the retrier for ErrorA and ErrorB: IntervalSeconds 1, BackoffRate 2.0,
        // MaxAttempts 2 waits one and two seconds; a third error it handles "already reached its maximum of two
        // retries" and goes to the Catch.
        StepFunctionsRetrier retrier = new StepFunctionsRetrier(1, 2.0, 2, Optional.empty(), Jitter.NONE);

        assertThat(InstantFailures.decisions(retrier, 10, Draws.NONE)).containsExactly(new Retry(seconds(1)),
                new Retry(seconds(2)), new Stop("MaxAttempts 2 reached: attempt 3 failed after 2 retries"));
    }

    @Test
    void maxAttemptsZeroNeverRetries() {
        // MaxAttempts: "A value of 0 specifies that the error is never retried."; Example 3 uses it for States.Timeout
        StepFunctionsRetrier retrier = new StepFunctionsRetrier(1, 2, 0, Optional.empty(), Jitter.NONE);

        assertThat(retrier.next(1, Duration.ZERO, null, Draws.NONE)).isInstanceOf(Stop.class);
    }

    @Test
    void defaultsWaitOneThenTwoThenFourSeconds() {
        // IntervalSeconds "1 by default", MaxAttempts "3 by default", BackoffRate "2.0" by default, JitterStrategy NONE
        StepFunctionsRetrier defaults = new StepFunctionsRetrier(StepFunctionsRetrier.DEFAULT_INTERVAL_SECONDS,
                StepFunctionsRetrier.DEFAULT_BACKOFF_RATE, StepFunctionsRetrier.DEFAULT_MAX_ATTEMPTS, Optional.empty(),
                StepFunctionsRetrier.DEFAULT_JITTER_STRATEGY);

        assertThat(InstantFailures.delays(defaults, 10, Draws.NONE))
                .containsExactly(seconds(1), seconds(2), seconds(4));
    }

    @Test
    void refusesWhatStepFunctionsRefuses() {
        assertThatThrownBy(() -> new StepFunctionsRetrier(0, 2, 3, Optional.empty(), Jitter.NONE))
                .hasMessage("IntervalSeconds: expected a whole number from 1 to 99999999, got 0");
        assertThatThrownBy(() -> new StepFunctionsRetrier(1, 0.5, 3, Optional.empty(), Jitter.NONE))
                .hasMessage("BackoffRate: expected a number from 1.0, got 0.5");
        assertThatThrownBy(() -> new StepFunctionsRetrier(1, 2, -1, Optional.empty(), Jitter.NONE))
                .hasMessageStartingWith("MaxAttempts: expected a whole number from 0");
        assertThatThrownBy(() -> new StepFunctionsRetrier(1, 2, 3, Optional.of(31_622_401), Jitter.NONE))
                .hasMessage("MaxDelaySeconds: expected a whole number from 1 to 31622400, got 31622401");
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }
}
