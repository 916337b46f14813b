package dev.quiver.inference.rollout;

import dev.quiver.inference.rollout.Verdict.Decision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Judges one step of a canary against the stable version, from their figures alone: no clock, no store, no traffic,
 * so that every rule is tested by a table of figures. The controller persists and carries out what it decides.
 */
public final class CanaryJudge {

    private CanaryJudge() {
    }

    /**
     * @param stable   the stable version's figures to compare with (this step's, or an earlier step's when the stable
     *                 version serves too little now, as at 100%)
     * @param canary   the canary's figures at this step
     * @param lastStep whether a healthy canary is promoted rather than advanced
     */
    public static Verdict judge(VersionFigures stable, VersionFigures canary, CanaryCriteria criteria,
                                boolean lastStep) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("stable_requests", stable.requests());
        figures.put("canary_requests", canary.requests());
        List<String> waiting = new ArrayList<>();
        if (canary.requests() < criteria.minRequests()) {
            waiting.add("the canary has served " + canary.requests() + " of the " + criteria.minRequests()
                    + " requests a step needs");
        }
        if (stable.requests() < criteria.minRequests()) {
            waiting.add("the stable version has served " + stable.requests() + " of the " + criteria.minRequests()
                    + " requests to compare with");
        }
        if (!waiting.isEmpty()) {
            return new Verdict(Decision.WAIT, waiting, figures);
        }
        List<String> worse = new ArrayList<>();
        List<String> fine = new ArrayList<>();

        double stableFaults = stable.faultRate();
        double canaryFaults = canary.faultRate();
        figures.put("stable_fault_rate", round(stableFaults));
        figures.put("canary_fault_rate", round(canaryFaults));
        String faults = "fault rate %s against the stable version's %s".formatted(percent(canaryFaults),
                percent(stableFaults));
        if (canaryFaults - stableFaults > criteria.maxFaultRateIncrease()) {
            worse.add(faults + ": more than " + percent(criteria.maxFaultRateIncrease()) + " above");
        } else {
            fine.add(faults);
        }

        double stableChecks = stable.outputCheckFailureRate();
        double canaryChecks = canary.outputCheckFailureRate();
        figures.put("stable_output_check_failure_rate", round(stableChecks));
        figures.put("canary_output_check_failure_rate", round(canaryChecks));
        String checks = "output-check failure rate %s against %s".formatted(percent(canaryChecks),
                percent(stableChecks));
        if (canaryChecks - stableChecks > criteria.maxOutputCheckFailureIncrease()) {
            worse.add(checks + ": more than " + percent(criteria.maxOutputCheckFailureIncrease()) + " above");
        } else {
            fine.add(checks);
        }

        String quantile = "p" + trimmed(criteria.latencyQuantile() * 100);
        double stableLatency = stable.latency().quantileMillis(criteria.latencyQuantile());
        double canaryLatency = canary.latency().quantileMillis(criteria.latencyQuantile());
        figures.put("stable_" + quantile + "_ms", stableLatency);
        figures.put("canary_" + quantile + "_ms", canaryLatency);
        double minIncrease = criteria.minLatencyIncreaseMs();
        String latency = "%s latency %s ms against %s ms".formatted(quantile, trimmed(canaryLatency),
                trimmed(stableLatency));
        if (canaryLatency > stableLatency * criteria.maxLatencyRatio()
                && canaryLatency - stableLatency >= minIncrease) {
            worse.add(latency + ": more than " + trimmed(criteria.maxLatencyRatio()) + " times as slow");
        } else {
            fine.add(latency);
        }

        for (SignalCriterion rule : criteria.signals()) {
            Tally tally = canary.signals().getOrDefault(rule.name(), Tally.NONE);
            if (tally.trials() < rule.minTrials()) {
                fine.add(rule.name() + " not judged: " + tally.trials() + " of " + rule.minTrials() + " trials");
                continue;
            }
            figures.put("canary_" + rule.name(), round(tally.rate()));
            String signal = "%s %s of %d".formatted(rule.name(), percent(tally.rate()), tally.trials());
            if (tally.rate() < rule.minRate()) {
                worse.add(signal + ": below " + percent(rule.minRate()));
            } else {
                fine.add(signal);
            }
        }

        if (!worse.isEmpty()) {
            return new Verdict(Decision.ROLLBACK, worse, figures);
        }
        return new Verdict(lastStep ? Decision.PROMOTE : Decision.ADVANCE, fine, figures);
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }

    private static String percent(double share) {
        return trimmed(share * 100) + "%";
    }

    private static String trimmed(double value) {
        String text = String.format(Locale.ROOT, "%.3f", value);
        text = text.replaceAll("0+$", "");
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }
}
