package dev.quiver.orchestration.builtin;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The {@code select-models} step's decision, a pure function: of the upstream models that recorded the metric, the
 * {@code top} best at or past the threshold.
 */
public final class ModelSelection {

    private ModelSelection() {
    }

    /**
     * One upstream result.
     *
     * @param value the metric it recorded; null when it recorded none
     * @param model where its model artifact is; null when it left none
     */
    public record Candidate(String instance, Double value, String model, String digest) {
    }

    /**
     * @param chosen best first; empty when none qualified
     * @param reason why these, or why none
     */
    public record Selection(List<Candidate> chosen, String reason) {
    }

    /**
     * What a {@code select-models} step asks for.
     *
     * @param threshold     the bound a model must reach; none when null
     * @param lowerIsBetter for metrics like loss
     */
    public record Criteria(String metric, int top, Double threshold, boolean lowerIsBetter) {

        /**
         * Reads the step's parameters {@code metric} (required), {@code top} (1), {@code threshold} and
         * {@code lower-is-better} (false).
         *
         * @throws IllegalArgumentException naming the parameter that is wrong
         */
        public static Criteria from(Map<String, Object> params) {
            if (!(params.get("metric") instanceof String metric) || metric.isBlank()) {
                throw new IllegalArgumentException("params.metric: required, the name of the metric to compare");
            }
            Object top = params.getOrDefault("top", 1L);
            if (!(top instanceof Long || top instanceof Integer) || ((Number) top).longValue() < 1
                    || ((Number) top).longValue() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("params.top: expected a whole number from 1, got " + top);
            }
            Object threshold = params.get("threshold");
            if (threshold != null && !(threshold instanceof Number)) {
                throw new IllegalArgumentException("params.threshold: expected a number, got " + threshold);
            }
            Object lower = params.getOrDefault("lower-is-better", false);
            if (!(lower instanceof Boolean)) {
                throw new IllegalArgumentException("params.lower-is-better: expected true or false, got " + lower);
            }
            return new Criteria(metric, ((Number) top).intValue(),
                    threshold == null ? null : ((Number) threshold).doubleValue(), (Boolean) lower);
        }
    }

    public static Selection select(List<Candidate> candidates, Criteria criteria) {
        double threshold = criteria.threshold() != null ? criteria.threshold()
                : criteria.lowerIsBetter() ? Double.MAX_VALUE : -Double.MAX_VALUE;
        return select(candidates, criteria.metric(), criteria.top(), threshold, criteria.lowerIsBetter());
    }

    /**
     * @param lowerIsBetter for metrics like loss
     */
    public static Selection select(List<Candidate> candidates, String metric, int top, double threshold,
                                   boolean lowerIsBetter) {
        Comparator<Candidate> best = Comparator.comparingDouble(Candidate::value);
        if (!lowerIsBetter) {
            best = best.reversed();
        }
        List<Candidate> qualified = candidates.stream()
                .filter(candidate -> candidate.value() != null && candidate.model() != null)
                .filter(candidate -> lowerIsBetter ? candidate.value() <= threshold : candidate.value() >= threshold)
                .sorted(best.thenComparing(Candidate::instance))
                .limit(top)
                .toList();
        long measured = candidates.stream().filter(candidate -> candidate.value() != null).count();
        String bound = (lowerIsBetter ? "at most " : "at least ") + threshold;
        if (qualified.isEmpty()) {
            return new Selection(qualified, "none of " + measured + " models with " + metric + " reached " + bound);
        }
        return new Selection(qualified, qualified.size() + " of " + measured + " models with " + metric + " "
                + bound + ", best " + qualified.getFirst().instance() + " at " + qualified.getFirst().value());
    }
}
