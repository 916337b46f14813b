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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Quiver's own backoff under its defaults: 10 s initial, factor 2, cap 10 min, full jitter, budget 1 h. */
class ExponentialBackoffTest {

    private static final ExponentialBackoff DEFAULTS = new ExponentialBackoff(ExponentialBackoff.DEFAULT_INITIAL,
            ExponentialBackoff.DEFAULT_FACTOR, ExponentialBackoff.DEFAULT_CAP, ExponentialBackoff.DEFAULT_JITTER,
            Optional.of(ExponentialBackoff.DEFAULT_BUDGET), Optional.empty());
    private static final ExponentialBackoff WITHOUT_JITTER = new ExponentialBackoff(DEFAULTS.initial(),
            DEFAULTS.factor(), DEFAULTS.cap(), Jitter.NONE, DEFAULTS.budget(), Optional.empty());

    @Test
    void doublesFromTenSecondsUpToTheTenMinuteCap() {
        List<Duration> delays = List.of(1, 2, 3, 4, 5, 6, 7, 8).stream()
                .map(attempt -> delay(WITHOUT_JITTER.next(attempt, Duration.ZERO, null, Draws.NONE)))
                .toList();

        assertThat(delays).containsExactly(seconds(10), seconds(20), seconds(40), seconds(80), seconds(160),
                seconds(320), seconds(600), seconds(600));
    }

    @ParameterizedTest(name = "draw {0}")
    @ValueSource(doubles = {0.0, 0.25, 0.5, 0.999_999_999})
    void fullJitterWaitsThatFractionOfTheCappedDelay(double draw) {
        Duration third = delay(DEFAULTS.next(3, Duration.ZERO, null, Draws.always(draw)));
        Duration eighth = delay(DEFAULTS.next(8, Duration.ZERO, null, Draws.always(draw)));

        assertThat(third).isEqualTo(Duration.ofNanos((long) (seconds(40).toNanos() * draw)));
        assertThat(eighth).isEqualTo(Duration.ofNanos((long) (seconds(600).toNanos() * draw)));
    }

    @Test
    void fullJitterStaysBetweenZeroAndTheCappedDelay() {
        RandomGenerator random = new SplittableRandom(20_240_601);
        for (int attempt = 1; attempt <= 40; attempt++) {
            Duration ceiling = delay(WITHOUT_JITTER.next(attempt, Duration.ZERO, null, Draws.NONE));
            for (int draw = 0; draw < 250; draw++) {
                Duration delay = delay(DEFAULTS.next(attempt, Duration.ZERO, null, random));
                assertThat(delay).as("attempt %d", attempt).isBetween(Duration.ZERO, ceiling).isNotEqualTo(ceiling);
            }
        }
    }

    @Test
    void noJitterGivesTheSameDelayWhateverTheGenerator() {
        assertThat(WITHOUT_JITTER.next(2, Duration.ZERO, null, new SplittableRandom(1)))
                .isEqualTo(WITHOUT_JITTER.next(2, Duration.ZERO, null, new SplittableRandom(2)))
                .isEqualTo(new Retry(seconds(20)));
    }

    @Test
    void stopsOnceTheBudgetIsSpent() {
        BackoffDecision decision = DEFAULTS.next(4, Duration.ofHours(1), null, Draws.always(0.0));

        assertThat(decision).isInstanceOf(Stop.class);
        assertThat(((Stop) decision).reason()).startsWith("budget PT1H spent");
    }

    @Test
    void stopsWhenTheNextAttemptWouldStartPastTheBudget() {
        BackoffDecision decision = WITHOUT_JITTER.next(7, Duration.ofMinutes(50).plusSeconds(1), null, Draws.NONE);

        assertThat(decision).isInstanceOf(Stop.class);
        assertThat(((Stop) decision).reason()).startsWith("budget PT1H would be passed").contains("PT10M");
    }

    @Test
    void retriesWhenTheNextAttemptStartsRightAtTheEndOfTheBudget() {
        assertThat(WITHOUT_JITTER.next(7, Duration.ofMinutes(50), null, Draws.NONE))
                .isEqualTo(new Retry(Duration.ofMinutes(10)));
    }

    @Test
    void weighsTheJitteredDelayAgainstTheBudget() {
        Duration elapsed = Duration.ofMinutes(55);

        assertThat(DEFAULTS.next(7, elapsed, null, Draws.always(0.5))).isEqualTo(new Retry(Duration.ofMinutes(5)));
        assertThat(DEFAULTS.next(7, elapsed, null, Draws.always(0.9))).isInstanceOf(Stop.class);
    }

    @Test
    void stepThatFailsAtOnceIsRetriedTenTimesWithinTheHour() {
        // 10+20+40+80+160+320 s, then 600 s four times: 3030 s; a fifth 600 s would end at 3630 s, past 3600 s
        assertThat(InstantFailures.delays(WITHOUT_JITTER, 20, Draws.NONE)).containsExactly(seconds(10), seconds(20),
                seconds(40), seconds(80), seconds(160), seconds(320), seconds(600), seconds(600), seconds(600),
                seconds(600));
        assertThat(InstantFailures.stopReason(WITHOUT_JITTER, 20, Draws.NONE))
                .isEqualTo("budget PT1H would be passed: PT50M30S since the first attempt started and the next delay "
                        + "is PT10M");
    }

    @Test
    void stopsAtMaxAttemptsCountingTheFirstAttempt() {
        ExponentialBackoff threeAttempts = new ExponentialBackoff(seconds(1), 2, seconds(30), Jitter.NONE,
                Optional.empty(), Optional.of(3));

        assertThat(InstantFailures.decisions(threeAttempts, 10, Draws.NONE)).containsExactly(
                new Retry(seconds(1)), new Retry(seconds(2)), new Stop("max-attempts 3 reached: attempt 3 failed"));
    }

    @Test
    void refusesValuesOutOfRangeNamingTheField() {
        Duration tenSeconds = seconds(10);
        Optional<Duration> hour = Optional.of(Duration.ofHours(1));

        assertThatThrownBy(() -> new ExponentialBackoff(Duration.ZERO, 2, tenSeconds, Jitter.FULL, hour,
                Optional.empty())).hasMessage("initial: expected a positive duration, got PT0S");
        assertThatThrownBy(() -> new ExponentialBackoff(tenSeconds, 0.5, tenSeconds, Jitter.FULL, hour,
                Optional.empty())).hasMessageStartingWith("factor: expected a number from 1");
        assertThatThrownBy(() -> new ExponentialBackoff(tenSeconds, 2, seconds(5), Jitter.FULL, hour,
                Optional.empty())).hasMessage("cap: expected a duration no shorter than initial PT10S, got PT5S");
        assertThatThrownBy(() -> new ExponentialBackoff(tenSeconds, 2, tenSeconds, Jitter.FULL,
                Optional.of(Duration.ofSeconds(-1)), Optional.empty())).hasMessageStartingWith("budget: expected a "
                + "positive duration");
        assertThatThrownBy(() -> new ExponentialBackoff(tenSeconds, 2, tenSeconds, Jitter.FULL, hour,
                Optional.of(0))).hasMessageStartingWith("max-attempts: expected a whole number from 1");
        assertThatThrownBy(() -> new ExponentialBackoff(tenSeconds, 2, tenSeconds, Jitter.FULL, Optional.empty(),
                Optional.empty())).hasMessageContaining("without either the retries never stop");
    }

    @Test
    void refusesAnAttemptBeforeTheFirstAndATimeBeforeItsStart() {
        assertThatThrownBy(() -> DEFAULTS.next(0, Duration.ZERO, null, Draws.NONE))
                .hasMessage("failedAttempt: expected 1 or more (1 is the first attempt), got 0");
        assertThatThrownBy(() -> DEFAULTS.next(1, Duration.ofSeconds(-1), null, Draws.NONE))
                .hasMessage("elapsedSinceFirstAttempt: expected zero or more, got PT-1S");
    }

    private static Duration delay(BackoffDecision decision) {
        assertThat(decision).isInstanceOf(Retry.class);
        return ((Retry) decision).delay();
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }
}
