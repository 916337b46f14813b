package dev.quiver.inference.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.rollout.Verdict.Decision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The judge alone: one case per rule, figures in, decision and reasons out. */
class CanaryJudgeTest {

    static final CanaryCriteria CRITERIA = new CanaryCriteria(100, 0.01, 0.01, 0.99, 1.5, 5, List.of());

    @Test
    void aHealthyCanaryAdvances() {
        Verdict verdict = CanaryJudge.judge(figures(1000, 2, 0, 10), figures(200, 0, 0, 11), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ADVANCE);
        assertThat(verdict.reasons()).contains("fault rate 0% against the stable version's 0.2%");
        assertThat(verdict.figures()).containsEntry("canary_requests", 200L).containsEntry("stable_fault_rate", 0.002);
    }

    @Test
    void aHealthyCanaryAtTheLastStepIsPromoted() {
        Verdict verdict = CanaryJudge.judge(figures(1000, 0, 0, 10), figures(1000, 0, 0, 10), CRITERIA, true);
        assertThat(verdict.decision()).isEqualTo(Decision.PROMOTE);
    }

    @Test
    void aWorseFaultRateRollsBack() {
        Verdict verdict = CanaryJudge.judge(figures(1000, 1, 0, 10), figures(200, 5, 0, 10), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.reasons()).containsExactly(
                "fault rate 2.5% against the stable version's 0.1%: more than 1% above");
    }

    @Test
    void aFaultRateWithinTheAllowedIncreaseAdvances() {
        // 1.5% against 1%: half a point above, under the one point allowed
        Verdict verdict = CanaryJudge.judge(figures(1000, 10, 0, 10), figures(200, 3, 0, 10), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ADVANCE);
    }

    @Test
    void failedOutputChecksRollBack() {
        Verdict verdict = CanaryJudge.judge(figures(1000, 0, 0, 10), figures(200, 0, 40, 10), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.reasons()).containsExactly(
                "output-check failure rate 20% against 0%: more than 1% above");
    }

    @Test
    void aSlowerP99RollsBack() {
        Verdict verdict = CanaryJudge.judge(figures(1000, 0, 0, 10), figures(200, 0, 0, 40), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.reasons()).singleElement().asString()
                .startsWith("p99 latency").endsWith("more than 1.5 times as slow");
        assertThat((double) verdict.figures().get("canary_p99_ms"))
                .isGreaterThan(3 * (double) verdict.figures().get("stable_p99_ms"));
    }

    @Test
    void aSlowerP99WithinTheNoiseFloorAdvances() {
        // 0.2 ms against 0.05 ms: four times as slow, but not 5 ms slower
        Verdict verdict = CanaryJudge.judge(figures(1000, 0, 0, 0.05), figures(200, 0, 0, 0.2), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ADVANCE);
    }

    @Test
    void tooFewCanaryRequestsWait() {
        Verdict verdict = CanaryJudge.judge(figures(1000, 0, 0, 10), figures(99, 50, 50, 400), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.WAIT);
        assertThat(verdict.reasons()).containsExactly("the canary has served 99 of the 100 requests a step needs");
    }

    @Test
    void tooFewStableRequestsWait() {
        Verdict verdict = CanaryJudge.judge(VersionFigures.NONE, figures(500, 0, 0, 10), CRITERIA, false);
        assertThat(verdict.decision()).isEqualTo(Decision.WAIT);
        assertThat(verdict.reasons()).containsExactly(
                "the stable version has served 0 of the 100 requests to compare with");
    }

    @Test
    void aNamedSignalBelowItsRuleRollsBackAndOneWithTooFewTrialsIsNotJudged() {
        CanaryCriteria criteria = new CanaryCriteria(100, 0.01, 0.01, 0.99, 1.5, 5, List.of(
                new SignalCriterion("shadow_agreement", 0.95, 50), new SignalCriterion("accuracy", 0.9, 100)));
        VersionFigures canary = new VersionFigures(200, 0, 0, 0, latency(200, 10),
                Map.of("shadow_agreement", new Tally(40, 50), "accuracy", new Tally(3, 3)));
        Verdict verdict = CanaryJudge.judge(figures(1000, 0, 0, 10), canary, criteria, false);
        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.reasons()).containsExactly("shadow_agreement 80% of 50: below 95%");

        VersionFigures agreeing = new VersionFigures(200, 0, 0, 0, latency(200, 10),
                Map.of("shadow_agreement", new Tally(49, 50)));
        Verdict healthy = CanaryJudge.judge(figures(1000, 0, 0, 10), agreeing, criteria, false);
        assertThat(healthy.decision()).isEqualTo(Decision.ADVANCE);
        assertThat(healthy.reasons()).contains("shadow_agreement 98% of 50", "accuracy not judged: 0 of 100 trials");
    }

    @Test
    void histogramsOfReplicasAddUpAndGiveTheMergedPercentile() {
        VersionFigures one = figures(990, 0, 0, 1);
        VersionFigures other = figures(10, 0, 0, 100);
        VersionFigures all = one.plus(other);
        assertThat(all.requests()).isEqualTo(1000);
        // the slowest 1% came from the other replica: the merged p99 is the fast bucket, p99.5 the slow one
        assertThat(all.latency().quantileMillis(0.99)).isBetween(1.0, 1.25);
        assertThat(all.latency().quantileMillis(0.995)).isBetween(100.0, 125.0);
    }

    /** {@code requests} all at about {@code millis}, of which {@code faults} failed and {@code checks} failed checks. */
    static VersionFigures figures(long requests, long faults, long checks, double millis) {
        return new VersionFigures(requests, faults, checks, 0, latency(requests, millis), Map.of());
    }

    static LatencyHistogram latency(long requests, double millis) {
        long[] counts = LatencyHistogram.empty().counts();
        counts[LatencyHistogram.bucket((long) (millis * 1e6))] = requests;
        return new LatencyHistogram(counts);
    }
}
