package dev.quiver.orchestration.retry;

import static dev.quiver.orchestration.retry.Evidence.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.orchestration.retry.FailureEvidence.QualityBar;
import dev.quiver.orchestration.retry.RetryPolicy.Convergence;
import dev.quiver.orchestration.retry.RetryPolicy.MemoryGrowth;
import dev.quiver.orchestration.retry.backoff.Draws;
import dev.quiver.orchestration.retry.backoff.ExponentialBackoff;
import dev.quiver.orchestration.retry.backoff.Jitter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scenarios of the retry design, each against the default classification and a policy of 3 attempts, a backoff of
 * 10 s doubling up to 10 min with full jitter within 1 h, memory doubling up to 8 GiB, convergence over 3 values by
 * 0.005, 2 upstream re-runs, a stop after 3 same failures, and a spike at 75% of the limit and 3 times the median.
 */
class RetryDeciderTest {

    private static final ExponentialBackoff BACKOFF = new ExponentialBackoff(Duration.ofSeconds(10), 2,
            Duration.ofMinutes(10), Jitter.FULL, Optional.of(Duration.ofHours(1)), Optional.empty());
    private static final RetryPolicy POLICY = policy(3, Optional.empty());
    private static final RetryDecider DECIDER = new RetryDecider(FailureClassification.defaults());
    /** Full jitter drawing half: the retry after attempt n waits half of 10 s × 2^(n−1). */
    private static final RandomGenerator HALF = Draws.always(0.5);

    @Nested
    class MemoryFailures {

        @Test
        void aSpikeFrom23To200MiBAgainstA256MiBLimitThenAKillDoublesTheLimit() {
            FailureEvidence evidence = Evidence.attempt(1, "OOMKilled").exitCode(137).killedForMemory()
                    .memoryMiB(23, 23, 24, 23, 200).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
            assertThat(decision.memoryBytes()).isEqualTo(512 * MIB);
            assertThat(decision.delay()).isEqualTo(Duration.ofSeconds(5));
            assertThat(decision.reasons()).containsExactly(
                    "killed for memory at 200 MiB of its 256 MiB limit; the next attempt gets 512 MiB",
                    "retry in 5 s as attempt 2 of 3",
                    "memory spiked from a median of 23 MiB to 200 MiB, 78.1% of its 256 MiB limit");
            assertThat(decision.evidence())
                    .containsEntry("peakMemoryBytes", 200 * MIB)
                    .containsEntry("medianMemoryBytes", 23 * MIB)
                    .containsEntry("memoryLimitBytes", 256 * MIB)
                    .containsEntry("nextMemoryBytes", 512 * MIB)
                    .containsEntry("kind", "MEMORY")
                    .containsEntry("delay", "PT5S");
        }

        @Test
        void theDelayIsTheBackoffsFullJitterForTheFirstAttempt() {
            FailureEvidence evidence = Evidence.attempt(1, "OOMKilled").killedForMemory().memoryMiB(23, 200).build();
            RandomGenerator random = new SplittableRandom(7);

            for (int draw = 0; draw < 200; draw++) {
                assertThat(DECIDER.decide(evidence, POLICY, random).delay())
                        .isBetween(Duration.ZERO, Duration.ofSeconds(10));
            }
        }

        @Test
        void killedAtTheCeilingGivesUp() {
            FailureEvidence evidence = Evidence.attempt(1, "OOMKilled").killedForMemory().limitMiB(8192)
                    .memoryMiB(1024, 1024, 8000).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons().getFirst()).isEqualTo("killed for memory at 7.81 GiB of its 8 GiB limit; "
                    + "its limit has reached the ceiling of 8 GiB, and more memory is not allowed");
            assertThat(decision.evidence()).containsEntry("memoryCeilingBytes", 8192 * MIB);
            assertThat(decision.memoryBytes()).isNull();
        }

        @Test
        void theNextLimitStopsAtTheCeiling() {
            FailureEvidence evidence = Evidence.attempt(1, "OutOfMemoryError").limitMiB(6144).memoryMiB(6000).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
            assertThat(decision.memoryBytes()).isEqualTo(8192 * MIB);
            assertThat(decision.reasons().getFirst()).isEqualTo("error class OutOfMemoryError means out of memory at "
                    + "5.86 GiB of its 6 GiB limit; the next attempt gets 8 GiB");
        }

        @Test
        void aSuddenSpikeNearTheLimitWithoutAKillIsAMemoryFailure() {
            FailureEvidence evidence = Evidence.attempt(1, "ExitCode").exitCode(1).memoryMiB(23, 23, 23, 200).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
            assertThat(decision.memoryBytes()).isEqualTo(512 * MIB);
            assertThat(decision.reasons().getFirst()).isEqualTo("memory spiked from a median of 23 MiB to 200 MiB, "
                    + "78.1% of its 256 MiB limit; the next attempt gets 512 MiB");
            assertThat(decision.evidence())
                    .containsEntry("killedForMemory", false)
                    .containsEntry("memorySpike", true)
                    .containsEntry("exitCode", 1);
        }

        @Test
        void steadyUseNearTheLimitIsNoSpike() {
            FailureEvidence evidence = Evidence.attempt(1, "ExitCode").exitCode(1).memoryMiB(190, 195, 200, 200)
                    .build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY);
            assertThat(decision.evidence()).doesNotContainKey("peakMemoryBytes");
        }

        @Test
        void aSpikeFarBelowTheLimitIsNoMemoryFailure() {
            FailureEvidence evidence = Evidence.attempt(1, "ExitCode").exitCode(1).memoryMiB(10, 10, 10, 100).build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).action()).isEqualTo(RetryAction.RETRY);
        }

        @Test
        void outOfAttemptsGivesUpWithTheMemoryFailureAsContext() {
            FailureEvidence evidence = Evidence.attempt(3, "OOMKilled").killedForMemory()
                    .earlier("NetworkError", null, 5.0).earlier("Preempted", 143, 20.0).memoryMiB(100, 200).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons()).containsExactly("attempt 3 of 3 failed",
                    "killed for memory at 200 MiB of its 256 MiB limit");
        }
    }

    @Nested
    class LostInputs {

        @Test
        void trainingDataGoneRerunsItsProducer() {
            FailureEvidence evidence = Evidence.attempt(1, "DataLost").input("features", "schema.json", true)
                    .input("ingest", "train.csv", false).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RERUN_UPSTREAM);
            assertThat(decision.upstream()).isEqualTo("ingest");
            assertThat(decision.delay()).isZero();
            assertThat(decision.reasons()).containsExactly(
                    "input train.csv of ingest is gone; ingest runs again, then this step",
                    "error class DataLost says an input is gone or corrupt");
            assertThat(decision.evidence())
                    .containsEntry("missingInputs", List.of("train.csv"))
                    .containsEntry("upstream", "ingest")
                    .containsEntry("upstreamReruns", 0)
                    .containsEntry("maxUpstreamReruns", 2);
        }

        @Test
        void aCorruptInputIsReportedAsCorruptNotGone() {
            FailureEvidence evidence = Evidence.attempt(1, "ExitCode").exitCode(1)
                    .input("ingest", "train.csv", FailureEvidence.Availability.CORRUPT).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RERUN_UPSTREAM);
            assertThat(decision.reasons()).containsExactly("input train.csv of ingest is corrupt: its content no "
                    + "longer matches its digest; ingest runs again, then this step");
            assertThat(decision.evidence())
                    .containsEntry("corruptInputs", List.of("train.csv"))
                    .containsEntry("missingInputs", List.of());
        }

        @Test
        void aFailedDataCheckRerunsTheProducerOfTheFirstInput() {
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError").dataCheck("rows-present", false)
                    .dataCheck("schema-matches", true)
                    .input("ingest", "train.csv", FailureEvidence.Availability.UNCHECKED)
                    .input("features", "schema.json", true).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RERUN_UPSTREAM);
            assertThat(decision.upstream()).isEqualTo("ingest");
            assertThat(decision.reasons()).containsExactly("data check rows-present failed; ingest, which produced "
                    + "input train.csv, runs again, then this step");
            assertThat(decision.evidence()).containsEntry("failedDataChecks", List.of("rows-present"));
        }

        @Test
        void upstreamRerunsSpentGivesUp() {
            FailureEvidence evidence = Evidence.attempt(1, "DataLost").input("ingest", "train.csv", false)
                    .upstreamReruns(2).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons()).startsWith("upstream re-runs spent: 2 of 2")
                    .contains("input train.csv of ingest is gone");
            assertThat(decision.upstream()).isNull();
        }

        @Test
        void noProducingInputAbandons() {
            FailureEvidence evidence = Evidence.attempt(1, "DataLost").build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly(
                    "the data it needs is missing and no upstream step produces it",
                    "error class DataLost says an input is gone or corrupt");
        }

        @Test
        void aGoneInputNoStepProducesAbandonsRatherThanRerunningAnotherStep() {
            FailureEvidence evidence = Evidence.attempt(1, "MissingInput").input(null, "vocabulary.txt", false)
                    .input("ingest", "train.csv", true).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).contains("input vocabulary.txt is gone");
        }

        @Test
        void aSpentRetryBudgetGivesUp() {
            FailureEvidence evidence = Evidence.attempt(1, "DataLost").input("ingest", "train.csv", false)
                    .budgetLeft(0, 40).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons().getFirst()).isEqualTo("the retry budget of pipeline digits is spent");
        }

        @Test
        void lostDataIsNotJudgedByConvergence() {
            FailureEvidence evidence = Evidence.attempt(1, "DataLost").input("ingest", "train.csv", false)
                    .metric("accuracy", 0.30, 0.28, 0.27).qualityBar("accuracy", 0.9, "step select").build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).action()).isEqualTo(RetryAction.RERUN_UPSTREAM);
        }

        @Test
        void aRerunNotYetSpentIsTriedEvenAfterTheSameFailureRepeats() {
            FailureEvidence evidence = Evidence.attempt(3, "DataLost").earlier("DataLost", null, null)
                    .earlier("DataLost", null, null).input("ingest", "train.csv", false).upstreamReruns(1).build();

            RetryDecision decision = DECIDER.decide(evidence, policy(5, Optional.empty()), HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RERUN_UPSTREAM);
            assertThat(decision.upstream()).isEqualTo("ingest");
        }
    }

    @Nested
    class Converged {

        @Test
        void accuracyFallingFarBelowTheBarAbandons() {
            FailureEvidence evidence = Evidence.attempt(1, "HeartbeatTimeout")
                    .metric("accuracy", 0.12, 0.25, 0.30, 0.29, 0.27).qualityBar("accuracy", 0.9, "step select")
                    .build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly("accuracy fell from 0.30 to 0.27 over the last 3 values; "
                    + "the best, 0.30, is below the threshold 0.90 (from step select)");
            assertThat(decision.evidence())
                    .containsEntry("lastMetricValues", List.of(0.30, 0.29, 0.27))
                    .containsEntry("bestMetricValue", 0.30)
                    .containsEntry("threshold", 0.9)
                    .containsEntry("qualityBarSource", "step select");
        }

        @Test
        void convergedAboveTheBarWithAPartialResultAcceptsIt() {
            FailureEvidence evidence = Evidence.attempt(1, "Preempted")
                    .metric("accuracy", 0.80, 0.93, 0.949, 0.951, 0.95).qualityBar("accuracy", 0.9, "step select")
                    .partialResult().build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ACCEPT_PARTIAL);
            assertThat(decision.reasons()).containsExactly("accuracy converged at 0.95 (it rose from 0.949 to 0.95 "
                    + "over the last 3 values), reaching the threshold 0.90 (from step select), and the attempt left "
                    + "a result; taking it");
            assertThat(decision.evidence())
                    .containsEntry("partialResult", true)
                    .containsEntry("bestMetricValue", 0.951);
            assertThat(decision.delay()).isZero();
        }

        @Test
        void convergedAboveTheBarWithoutAResultGoesOnToTheRetry() {
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError")
                    .metric("accuracy", 0.80, 0.93, 0.949, 0.951, 0.95).qualityBar("accuracy", 0.9, "step select")
                    .build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY);
            assertThat(decision.evidence()).doesNotContainKey("lastMetricValues");
        }

        @Test
        void stillRisingBelowTheBarIsNotJudged() {
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError").metric("accuracy", 0.30, 0.50, 0.70)
                    .qualityBar("accuracy", 0.9, "step select").build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).action()).isEqualTo(RetryAction.RETRY);
        }

        @Test
        void fewerValuesThanTheWindowAreNotJudged() {
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError").metric("accuracy", 0.30, 0.27)
                    .qualityBar("accuracy", 0.9, "step select").build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).action()).isEqualTo(RetryAction.RETRY);
        }

        @Test
        void withoutABarFromDownstreamThePolicysBarIsUsedLowerBeingBetter() {
            RetryPolicy policy = policy(3, Optional.of(new QualityBar("loss", 0.1, true, "the step's retry policy")));
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError").metric("loss", 0.9, 0.5, 0.5, 0.51)
                    .build();

            RetryDecision decision = DECIDER.decide(evidence, policy, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly("loss rose from 0.50 to 0.51 over the last 3 values; the "
                    + "best, 0.50, is above the threshold 0.10 (from the step's retry policy)");
        }
    }

    @Nested
    class SlowProgress {

        @Test
        void onePercentPerHalfHourAgainstATwoHourDeadlineAbandonsRatherThanRetries() {
            FailureEvidence evidence = Evidence.attempt(1, "DeadlineExceeded").deadline(Duration.ofHours(2))
                    .progress(Duration.ZERO, 0).progress(Duration.ofMinutes(15), 0.5)
                    .progress(Duration.ofMinutes(30), 1).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly("1.0% progress per 30 min: 100% would take 50 h, past the "
                    + "deadline of 2 h; resources go to the other steps");
            assertThat(decision.evidence())
                    .containsEntry("progressRatePerHour", 2.0)
                    .containsEntry("projectedFinish", "PT50H")
                    .containsEntry("deadline", "PT2H");
        }

        @Test
        void noProgressAtAllAbandons() {
            FailureEvidence evidence = Evidence.attempt(1, "DeadlineExceeded").deadline(Duration.ofHours(2))
                    .progress(Duration.ofMinutes(10), 12).progress(Duration.ofMinutes(40), 12).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly("0.0% progress per 30 min: 100% would never be reached, "
                    + "and the deadline is 2 h; resources go to the other steps");
            assertThat(decision.evidence()).doesNotContainKey("projectedFinish");
        }

        @Test
        void progressThatWouldMakeTheDeadlineIsRetried() {
            FailureEvidence evidence = Evidence.attempt(1, "DeadlineExceeded").deadline(Duration.ofHours(2))
                    .progress(Duration.ZERO, 0).progress(Duration.ofMinutes(30), 50).build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).action()).isEqualTo(RetryAction.RETRY);
        }

        @Test
        void withoutADeadlineSlowProgressIsRetried() {
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError").progress(Duration.ZERO, 0)
                    .progress(Duration.ofMinutes(30), 1).build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).action()).isEqualTo(RetryAction.RETRY);
        }
    }

    @Nested
    class TransientFailures {

        @ParameterizedTest(name = "after attempt {0}")
        @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
        void networkLossIsRetriedWithinTheJitterBoundsOfTheAttempt(int attempt) {
            FailureEvidence evidence = Evidence.attempt(attempt, "NetworkError").build();
            Duration bound = Duration.ofSeconds(10L << (attempt - 1));
            Duration ceiling = bound.compareTo(Duration.ofMinutes(10)) < 0 ? bound : Duration.ofMinutes(10);
            RandomGenerator random = new SplittableRandom(20_260_302 + attempt);

            for (int draw = 0; draw < 100; draw++) {
                RetryDecision decision = DECIDER.decide(evidence, policy(10, Optional.empty()), random);

                assertThat(decision.action()).isEqualTo(RetryAction.RETRY);
                assertThat(decision.delay()).isBetween(Duration.ZERO, ceiling);
            }
        }

        @Test
        void networkLossSaysWhenItIsRetried() {
            FailureEvidence evidence = Evidence.attempt(2, "NetworkError").build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, Draws.always(0.6));

            assertThat(decision.delay()).isEqualTo(Duration.ofSeconds(12));
            assertThat(decision.reasons()).containsExactly(
                    "error class NetworkError is transient; retry in 12 s as attempt 3 of 3");
            assertThat(decision.evidence())
                    .containsEntry("errorClass", "NetworkError")
                    .containsEntry("kind", "TRANSIENT")
                    .containsEntry("attempt", 2)
                    .containsEntry("maxAttempts", 3)
                    .containsEntry("delay", "PT12S")
                    .containsEntry("budgetLeftPipeline", 10)
                    .containsEntry("budgetLeftTenant", 100);
        }

        @Test
        void anUnknownClassIsRetried() {
            FailureEvidence evidence = Evidence.attempt(1, "SomethingOdd").build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY);
            assertThat(decision.reasons()).containsExactly(
                    "unclassified error class SomethingOdd is taken as transient; retry in 5 s as attempt 2 of 3");
        }

        @Test
        void attemptsExhaustedGivesUp() {
            FailureEvidence evidence = Evidence.attempt(3, "NetworkError").earlier("Preempted", 143, 10.0)
                    .earlier("NetworkError", null, 40.0).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons()).containsExactly("attempt 3 of 3 failed",
                    "error class NetworkError is transient");
        }

        @Test
        void theBackoffsTimeBudgetSpentGivesUpWithItsReason() {
            FailureEvidence evidence = Evidence.attempt(2, "NetworkError").sinceFirstAttempt(Duration.ofMinutes(61))
                    .build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons().getFirst()).startsWith("budget PT1H spent");
        }
    }

    @Nested
    class RepeatedFailures {

        @Test
        void theSameCrashWithNoProgressGivesUpAfterTheLimit() {
            FailureEvidence evidence = Evidence.attempt(3, "OutOfMemory").earlier("OutOfMemory", null, 12.0)
                    .earlier("OutOfMemory", null, 9.0).progress(Duration.ZERO, 2).progress(Duration.ofMinutes(5), 11)
                    .memoryMiB(100, 250).build();

            RetryDecision decision = DECIDER.decide(evidence, policy(5, Optional.empty()), HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons()).containsExactly("OutOfMemory 3 times in a row, never past 12.0% progress",
                    "same-failure-limit 3 ends the step at attempt 3 of 5: the same failure without progress is not "
                            + "tried again; to use every attempt, raise retry.same-failure-limit in the step (or "
                            + "quiver.orchestration.retry.same-failure-limit)");
            assertThat(decision.evidence())
                    .containsEntry("sameFailureCount", 3)
                    .containsEntry("peakProgress", 12.0);
        }

        @Test
        void runningOutOfMemoryUnderALimitThatGrewEachTimeIsNoRepeatAndGetsMoreUpToTheCeiling() {
            FailureEvidence evidence = Evidence.attempt(3, "OOMKilled").exitCode(137).killedForMemory()
                    .limitMiB(256).earlier("OOMKilled", 137, 0.0).limitMiB(512).earlier("OOMKilled", 137, 0.0)
                    .limitMiB(1024).memoryMiB(300, 1024).build();

            RetryDecision decision = DECIDER.decide(evidence, policy(5, Optional.empty()), HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
            assertThat(decision.memoryBytes()).isEqualTo(2048 * MIB);
            assertThat(decision.evidence()).doesNotContainKey("sameFailureCount");
        }

        @Test
        void runningOutOfMemoryThreeTimesUnderOneLimitIsARepeat() {
            FailureEvidence evidence = Evidence.attempt(3, "OOMKilled").exitCode(137).killedForMemory()
                    .limitMiB(1024).earlier("OOMKilled", 137, 0.0).earlier("OOMKilled", 137, 0.0)
                    .memoryMiB(300, 1024).build();

            RetryDecision decision = DECIDER.decide(evidence, policy(5, Optional.empty()), HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons().getFirst()).isEqualTo("OOMKilled (exit code 137) 3 times in a row, never "
                    + "past 0.0% progress");
        }

        @Test
        void identicalTransientFailuresGiveUpBeforeMaxAttemptsSayingWhichSettingDecided() {
            FailureEvidence evidence = Evidence.attempt(3, "NetworkError").earlier("NetworkError", null, null)
                    .earlier("NetworkError", null, null).build();

            RetryDecision decision = DECIDER.decide(evidence, policy(10, Optional.empty()), HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons()).hasSize(2);
            assertThat(decision.reasons().get(1)).isEqualTo("same-failure-limit 3 ends the step at attempt 3 of 10: "
                    + "the same failure without progress is not tried again; to use every attempt, raise "
                    + "retry.same-failure-limit in the step (or quiver.orchestration.retry.same-failure-limit)");
        }

        @Test
        void atTheLastAttemptTheRepetitionIsTheOnlyReason() {
            FailureEvidence evidence = Evidence.attempt(3, "NetworkError").earlier("NetworkError", null, null)
                    .earlier("NetworkError", null, null).build();

            assertThat(DECIDER.decide(evidence, POLICY, HALF).reasons())
                    .containsExactly("NetworkError 3 times in a row, never past 0.0% progress");
        }

        @Test
        void aKillForMemoryWithFlatProgressIsRetriedWithMoreMemorySayingWhyNotAbandoned() {
            FailureEvidence evidence = Evidence.attempt(1, "OOMKilled").exitCode(137).killedForMemory()
                    .deadline(Duration.ofHours(2)).progress(Duration.ofMinutes(10), 12)
                    .progress(Duration.ofMinutes(40), 12).memoryMiB(100, 250).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
            assertThat(decision.reasons()).contains("0.0% progress per 30 min would miss the deadline of 2 h, but a "
                    + "step short of memory slows down and is cut off: memory (rule 6) decides before hopeless "
                    + "progress (rule 3) for a memory failure, and same-failure-limit stops a repeat that more "
                    + "memory does not cure");
        }

        @Test
        void beforeTheLimitTheCrashIsRetriedWithMoreMemory() {
            FailureEvidence evidence = Evidence.attempt(2, "OutOfMemory").earlier("OutOfMemory", null, 12.0)
                    .progress(Duration.ZERO, 12).memoryMiB(100, 250).build();

            assertThat(DECIDER.decide(evidence, policy(5, Optional.empty()), HALF).action())
                    .isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
        }

        @Test
        void progressBeyondTheFirstOfThemKeepsRetrying() {
            FailureEvidence evidence = Evidence.attempt(3, "OutOfMemory").earlier("OutOfMemory", null, 12.0)
                    .earlier("OutOfMemory", null, 9.0).progress(Duration.ZERO, 2).progress(Duration.ofMinutes(5), 30)
                    .memoryMiB(100, 250).build();

            assertThat(DECIDER.decide(evidence, policy(5, Optional.empty()), HALF).action())
                    .isEqualTo(RetryAction.RETRY_WITH_RESOURCES);
        }

        @Test
        void aDifferentExitCodeIsADifferentFailure() {
            FailureEvidence evidence = Evidence.attempt(3, "ExecutorError").exitCode(1)
                    .earlier("ExecutorError", 2, null).earlier("ExecutorError", 1, null).build();

            assertThat(DECIDER.decide(evidence, policy(5, Optional.empty()), HALF).action())
                    .isEqualTo(RetryAction.RETRY);
        }
    }

    @Nested
    class PermanentFailures {

        @Test
        void anInvalidConfigurationAbandons() {
            FailureEvidence evidence = Evidence.attempt(1, "InvalidConfiguration").build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly(
                    "error class InvalidConfiguration is permanent: it would fail the same way again");
            assertThat(decision.evidence()).containsEntry("kind", "PERMANENT");
        }

        @Test
        void exitCode127Abandons() {
            FailureEvidence evidence = Evidence.attempt(1, "ExitCode").exitCode(127).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.ABANDON);
            assertThat(decision.reasons()).containsExactly(
                    "exit code 127 is permanent: it would fail the same way again");
        }
    }

    @Nested
    class RetryBudget {

        @Test
        void thePipelinesBudgetSpentGivesUp() {
            FailureEvidence evidence = Evidence.attempt(1, "NetworkError").budgetLeft(0, 50).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons().getFirst()).isEqualTo("the retry budget of pipeline digits is spent");
            assertThat(decision.evidence()).containsEntry("budgetLeftPipeline", 0);
        }

        @Test
        void theTenantsBudgetSpentGivesUp() {
            FailureEvidence evidence = Evidence.attempt(1, "OOMKilled").killedForMemory().budgetLeft(5, 0).build();

            RetryDecision decision = DECIDER.decide(evidence, POLICY, HALF);

            assertThat(decision.action()).isEqualTo(RetryAction.GIVE_UP);
            assertThat(decision.reasons().getFirst()).isEqualTo("the retry budget of tenant acme is spent");
            assertThat(decision.evidence()).containsEntry("budgetLeftTenant", 0);
        }
    }

    @Test
    void theSameEvidenceAndSeedGiveTheSameDecision() {
        FailureEvidence evidence = Evidence.attempt(2, "OOMKilled").killedForMemory().memoryMiB(23, 23, 23, 200)
                .dataCheck("rows-present", true).dataCheck("schema-matches", true).build();

        RetryDecision first = DECIDER.decide(evidence, POLICY, new SplittableRandom(42));
        RetryDecision second = DECIDER.decide(evidence, POLICY, new SplittableRandom(42));

        assertThat(second).isEqualTo(first);
        assertThat(first.delay()).isPositive();
    }

    private static RetryPolicy policy(int maxAttempts, Optional<QualityBar> qualityBar) {
        return new RetryPolicy(maxAttempts, BACKOFF, new MemoryGrowth(2, 8192 * MIB),
                new Convergence(3, 0.005), qualityBar, 2, 3, 0.75, 3);
    }
}
