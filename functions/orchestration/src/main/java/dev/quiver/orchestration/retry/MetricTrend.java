package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureEvidence.QualityBar;
import dev.quiver.orchestration.retry.FailureEvidence.Sample;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where a training's quality metric was heading when it failed: the last values of the series, and the best it ever
 * reached. A training that has stopped improving will not reach a bar its best value missed by being given another
 * attempt, and one whose best is good enough has nothing more to gain from one.
 *
 * @param bar    the metric and the value it must reach
 * @param window the last values of the metric, oldest first, as many as the convergence window
 * @param best   the best value of the whole series
 */
record MetricTrend(QualityBar bar, List<Double> window, double best) {

    MetricTrend {
        window = List.copyOf(window);
    }

    /**
     * The trend of the bar's metric: the evidence's bar (a selection step downstream) before the policy's own. Empty
     * without a bar, or with fewer values than the window, which is too short a history to call converged.
     */
    static Optional<MetricTrend> of(FailureEvidence evidence, RetryPolicy policy) {
        return evidence.qualityBar().or(policy::qualityBar).flatMap(bar -> {
            List<Double> series = evidence.metrics().getOrDefault(bar.metric(), List.of()).stream()
                    .sorted(Comparator.comparing(Sample::at))
                    .map(Sample::value)
                    .toList();
            int window = policy.convergence().window();
            if (series.size() < window) {
                return Optional.empty();
            }
            Comparator<Double> better = bar.lowerIsBetter() ? Comparator.reverseOrder() : Comparator.naturalOrder();
            double best = series.stream().max(better).orElseThrow();
            return Optional.of(new MetricTrend(bar, series.subList(series.size() - window, series.size()), best));
        });
    }

    double first() {
        return window.getFirst();
    }

    double last() {
        return window.getLast();
    }

    /** Not improving: across the window it moved the right way by less than {@code minDelta}, or the wrong way. */
    boolean converged(double minDelta) {
        double improvement = bar.lowerIsBetter() ? first() - last() : last() - first();
        return improvement < minDelta;
    }

    boolean bestReachesBar() {
        return bar.lowerIsBetter() ? best <= bar.threshold() : best >= bar.threshold();
    }

    /** {@code fell from 0.30 to 0.27}. */
    String movement() {
        if (last() == first()) {
            return "stayed at " + ReasonText.value(last());
        }
        return (last() < first() ? "fell" : "rose") + " from " + ReasonText.value(first()) + " to "
                + ReasonText.value(last());
    }
}
