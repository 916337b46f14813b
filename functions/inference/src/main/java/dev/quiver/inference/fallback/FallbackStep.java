package dev.quiver.inference.fallback;

/** One step of a version's fallback chain, ready to answer. */
public sealed interface FallbackStep {

    /** The kind of step, as counted in {@code quiver_inference_fallbacks_total{answered_by}}. */
    String kind();

    /** The highest version below the one that failed that still serves. */
    record PreviousVersion() implements FallbackStep {
        @Override
        public String kind() {
            return "previous_version";
        }
    }

    /** Another model, given the request's inputs that it has, by name. */
    record OtherModel(String name) implements FallbackStep {
        @Override
        public String kind() {
            return "model";
        }
    }

    /** Answers written down beforehand. */
    record Precomputed(PrecomputedAnswers answers) implements FallbackStep {
        @Override
        public String kind() {
            return answers.kind();
        }
    }
}
