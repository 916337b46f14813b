package dev.quiver.orchestration.builtin;

import java.util.Comparator;
import java.util.List;

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
