package dev.quiver.orchestration.retry.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Temporal retry policies against the documentation's "What is a Temporal Retry Policy?" (encyclopedia/retry-policies)
 * and the vectors of the server's own test of its retry arithmetic (Test_NextRetry in
 * service/history/workflow/retry_test.go).
 */
class TemporalRetryPolicyTest {

    private static final TemporalRetryPolicy DEFAULTS = new TemporalRetryPolicy(
            TemporalRetryPolicy.DEFAULT_INITIAL_INTERVAL, TemporalRetryPolicy.DEFAULT_BACKOFF_COEFFICIENT,
            TemporalRetryPolicy.DEFAULT_INITIAL_INTERVAL.multipliedBy(
                    TemporalRetryPolicy.DEFAULT_MAXIMUM_INTERVAL_COEFFICIENT),
            TemporalRetryPolicy.DEFAULT_MAXIMUM_ATTEMPTS, List.of());

    @Test
    void defaultsDoubleFromOneSecondUpToOneHundredSeconds() {
        // "Default values for Retry Policy": Initial Interval 1 second, Backoff Coefficient 2.0, Maximum Interval
        // 100 × Initial Interval; "Retry interval": the smaller of Initial Interval × Backoff Coefficient^retries and
        // Maximum Interval.
        List<Duration> intervals = List.of(1, 2, 3, 4, 5, 6, 7, 8, 9).stream()
                .map(attempt -> ((Retry) DEFAULTS.next(attempt, Duration.ZERO, null, Draws.NONE)).delay())
                .toList();

        assertThat(intervals).containsExactly(seconds(1), seconds(2), seconds(4), seconds(8), seconds(16),
                seconds(32), seconds(64), seconds(100), seconds(100));
    }

    @Test
    void maximumAttemptsZeroIsUnlimited() {
        // Maximum Attempts: "The default is unlimited ... Setting the value to 0 also means unlimited."
        assertThat(DEFAULTS.next(100_000, Duration.ofDays(30), null, Draws.NONE)).isEqualTo(new Retry(seconds(100)));
    }

    @Test
    void maximumAttemptsOneNeverRetries() {
        // Maximum Attempts: "Setting the value to 1 means a single execution attempt and no retries."; Test_NextRetry:
        // "no retry if MaximumAttempts is 1 (for initial Attempt)"
        TemporalRetryPolicy once = new TemporalRetryPolicy(seconds(1), 2, seconds(100), 1, List.of());

        assertThat(once.next(1, Duration.ZERO, null, Draws.NONE))
                .isEqualTo(new Stop("maximumAttempts 1 reached: attempt 1 failed"));
    }

    @Test
    void backoffCoefficientOneKeepsTheInitialInterval() {
        // Backoff Coefficient: "A backoff coefficient of 1.0 means that the retry interval always equals the Initial
        // Interval."
        TemporalRetryPolicy constant = new TemporalRetryPolicy(seconds(5), 1.0, seconds(500), 0, List.of());

        assertThat(constant.next(42, Duration.ZERO, null, Draws.NONE)).isEqualTo(new Retry(seconds(5)));
    }

    @Test
    void serverTestIntervalsOneTwoFourEightMillisecondsThenMaximumAttempts() {
        // Test_NextRetry: "backoff retry, intervals: 1ms, 2ms, 4ms, 8ms." with MaximumAttempts 5, then "no retry as
        // max attempt reached" at attempt 5
        TemporalRetryPolicy policy = new TemporalRetryPolicy(millis(1), 2, millis(100), 5, List.of());

        assertThat(InstantFailures.decisions(policy, 10, Draws.NONE)).containsExactly(new Retry(millis(1)),
                new Retry(millis(2)), new Retry(millis(4)), new Retry(millis(8)),
                new Stop("maximumAttempts 5 reached: attempt 5 failed"));
    }

    @Test
    void serverTestCapsAtMaximumIntervalEvenWhereThePowerOverflows() {
        // Test_NextRetry: "increase max attempts, with max interval cap at 10s" (10 ms in the test) gives 10 ms at
        // attempt 5; "with big max retry, math.Pow() could overflow, verify that it uses the MaxInterval" at 64
        TemporalRetryPolicy policy = new TemporalRetryPolicy(millis(1), 2, millis(10), 100, List.of());

        assertThat(policy.next(5, Duration.ZERO, null, Draws.NONE)).isEqualTo(new Retry(millis(10)));
        assertThat(policy.next(64, Duration.ZERO, null, Draws.NONE)).isEqualTo(new Retry(millis(10)));
    }

    @Test
    void nonRetryableErrorTypesStopWhateverTheCount() {
        // Non-Retryable Errors: "Errors are matched against the type field of the Application Failure ... If one of
        // those errors occurs, a retry does not occur."; the API's RetryPolicy: "this is not a substring match"
        TemporalRetryPolicy policy = new TemporalRetryPolicy(seconds(1), 2, seconds(100), 0,
                List.of("InvalidInput", "ModelNotFound"));

        assertThat(policy.next(1, Duration.ZERO, "ModelNotFound", Draws.NONE))
                .isEqualTo(new Stop("nonRetryableErrorTypes lists ModelNotFound, the type of attempt 1's failure"));
        assertThat(policy.next(1, Duration.ZERO, "ModelNotFoundYet", Draws.NONE)).isEqualTo(new Retry(seconds(1)));
        assertThat(policy.next(1, Duration.ZERO, "invalidinput", Draws.NONE)).isEqualTo(new Retry(seconds(1)));
        assertThat(policy.next(1, Duration.ZERO, null, Draws.NONE)).isEqualTo(new Retry(seconds(1)));
    }

    @Test
    void refusesWhatTemporalRefuses() {
        assertThatThrownBy(() -> new TemporalRetryPolicy(Duration.ZERO, 2, seconds(1), 0, List.of()))
                .hasMessage("initialInterval: expected a positive duration, got PT0S");
        assertThatThrownBy(() -> new TemporalRetryPolicy(seconds(1), 0.5, seconds(100), 0, List.of()))
                .hasMessage("backoffCoefficient: expected a number from 1.0, got 0.5");
        assertThatThrownBy(() -> new TemporalRetryPolicy(seconds(10), 2, seconds(5), 0, List.of()))
                .hasMessage("maximumInterval: expected a duration no shorter than initialInterval PT10S, got PT5S");
        assertThatThrownBy(() -> new TemporalRetryPolicy(seconds(1), 2, seconds(100), -1, List.of()))
                .hasMessage("maximumAttempts: expected a whole number from 0 (0 is unlimited), got -1");
        assertThatThrownBy(() -> new TemporalRetryPolicy(seconds(1), 2, seconds(100), 0, List.of(" ")))
                .hasMessageStartingWith("nonRetryableErrorTypes: expected error type names");
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    private static Duration millis(long millis) {
        return Duration.ofMillis(millis);
    }
}
