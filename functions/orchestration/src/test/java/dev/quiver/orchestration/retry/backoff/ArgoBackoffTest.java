package dev.quiver.orchestration.retry.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Argo Workflows' retryStrategy backoff against the vectors of its documentation and of the workflow controller's own
 * tests (workflow/controller/operator_test.go), which pin down what the field reference leaves open.
 */
class ArgoBackoffTest {

    @Test
    void retryBackoffExampleStopsWhenTheNextWaitWouldPassMaxDuration() {
        // examples/retry-backoff.yaml, shown in "Retrying Failed or Errored Steps": limit 10, duration "1", factor 2,
        // maxDuration "1m". Waits of 1, 2, 4, 8 and 16 s bring the sixth failure to 31 s; its wait of 32 s would end
        // at 63 s, past the minute, so Argo stops ("Backoff would exceed max duration limit").
        ArgoBackoff example = new ArgoBackoff(seconds(1), 2, Optional.empty(), Optional.of(Duration.ofMinutes(1)),
                Optional.of(10));

        assertThat(InstantFailures.delays(example, 20, Draws.NONE))
                .containsExactly(seconds(1), seconds(2), seconds(4), seconds(8), seconds(16));
        assertThat(InstantFailures.stopReason(example, 20, Draws.NONE))
                .isEqualTo("backoff of PT32S would exceed maxDuration PT1M: PT31S since the first attempt started");
    }

    @Test
    void exponentialBackoffDoublesFiveMinutesAndStopsAfterTheLimit() {
        // TestProcessNodeRetriesWithExponentialBackoff: limit 2, duration "5m", factor 2; the first backoff is at
        // most 300 s and the second at most 600 s. A third failure leaves "No more retries left".
        ArgoBackoff backoff = new ArgoBackoff(Duration.ofMinutes(5), 2, Optional.empty(), Optional.empty(),
                Optional.of(2));

        assertThat(backoff.next(1, Duration.ZERO, null, Draws.NONE)).isEqualTo(new Retry(seconds(300)));
        assertThat(backoff.next(2, seconds(300), null, Draws.NONE)).isEqualTo(new Retry(seconds(600)));
        assertThat(backoff.next(3, seconds(900), null, Draws.NONE))
                .isEqualTo(new Stop("limit 2 reached: no more retries left after attempt 3"));
    }

    @Test
    void secondFailureBacksOffFourSeconds() {
        // TestBackoffMessage: duration "2", factor 2, maxDuration 1m, limit 10; the first attempt started 8 s ago and
        // the second failed 1 s ago, so 7 s had passed at the failure: "Backoff for 4 seconds".
        ArgoBackoff backoff = new ArgoBackoff(seconds(2), 2, Optional.empty(), Optional.of(Duration.ofMinutes(1)),
                Optional.of(10));

        assertThat(backoff.next(2, seconds(7), null, Draws.NONE)).isEqualTo(new Retry(seconds(4)));
    }

    @Test
    void capHoldsTheWaitOnceTheFactorWouldPassIt() {
        // Field reference, Backoff.cap: "If a multiplication by the factor parameter would make the duration exceed
        // the cap then the duration is set to the cap".
        ArgoBackoff capped = new ArgoBackoff(seconds(1), 2, Optional.of(seconds(5)), Optional.empty(), Optional.of(5));

        assertThat(InstantFailures.delays(capped, 10, Draws.NONE))
                .containsExactly(seconds(1), seconds(2), seconds(4), seconds(5), seconds(5));
    }

    @Test
    void failureAfterMaxDurationIsNotRetried() {
        // operator.go: "Max duration limit exceeded" once the time since the first attempt started is past maxDuration
        ArgoBackoff backoff = new ArgoBackoff(seconds(1), 2, Optional.empty(), Optional.of(Duration.ofMinutes(1)),
                Optional.of(10));

        assertThat(backoff.next(2, seconds(61), null, Draws.NONE))
                .isEqualTo(new Stop("maxDuration PT1M exceeded: PT1M1S since the first attempt started"));
    }

    @Test
    void withoutFactorTheWaitStaysTheDuration() {
        // operator.go multiplies by factor^(retries-1) only when a factor above 0 is given
        ArgoBackoff constant = new ArgoBackoff(seconds(30), ArgoBackoff.DEFAULT_FACTOR, Optional.empty(),
                Optional.empty(), Optional.of(10));

        assertThat(constant.next(5, Duration.ZERO, null, Draws.NONE)).isEqualTo(new Retry(seconds(30)));
    }

    @Test
    void limitCountsRetriesSoZeroNeverRetriesAndNoneNeverStops() {
        // Field reference, RetryStrategy.limit: "It does not include the original container; the maximum number of
        // total attempts will be limit + 1"; and "Retrying Failed or Errored Steps": an empty retryStrategy retries
        // until completion.
        ArgoBackoff noRetries = new ArgoBackoff(seconds(1), 2, Optional.empty(), Optional.empty(), Optional.of(0));
        ArgoBackoff unlimited = new ArgoBackoff(seconds(1), 2, Optional.of(Duration.ofHours(1)), Optional.empty(),
                Optional.empty());

        assertThat(noRetries.next(1, Duration.ZERO, null, Draws.NONE)).isInstanceOf(Stop.class);
        assertThat(unlimited.next(10_000, Duration.ofDays(400), null, Draws.NONE))
                .isEqualTo(new Retry(Duration.ofHours(1)));
    }

    @Test
    void refusesValuesOutOfRangeNamingTheField() {
        assertThatThrownBy(() -> new ArgoBackoff(Duration.ZERO, 2, Optional.empty(), Optional.empty(),
                Optional.empty())).hasMessage("duration: expected a positive duration, got PT0S");
        assertThatThrownBy(() -> new ArgoBackoff(seconds(1), 0, Optional.empty(), Optional.empty(), Optional.empty()))
                .hasMessage("factor: expected a whole number from 1, got 0");
        assertThatThrownBy(() -> new ArgoBackoff(seconds(1), 2, Optional.empty(), Optional.empty(), Optional.of(-1)))
                .hasMessageStartingWith("limit: expected a whole number from 0");
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }
}
