package dev.quiver.inference.modelconfig;

/**
 * One step of a model's fallback chain as its configuration writes it. The chain is tried in order when the model
 * times out, fails, or gives an answer that fails its output checks.
 */
public sealed interface FallbackSpec {

    /** The highest ready version below the one that failed, kept loaded for this. */
    record PreviousVersion() implements FallbackSpec {
        @Override
        public String toString() {
            return "previous_version";
        }
    }

    /** Another model of the repository (a cheaper one), given the request's inputs by name. */
    record Model(String name) implements FallbackSpec {
        @Override
        public String toString() {
            return "model " + name;
        }
    }

    /** The same outputs for every item, from a JSON file in the model's folder. */
    record DefaultOutputs(String file) implements FallbackSpec {
        @Override
        public String toString() {
            return "default_outputs " + file;
        }
    }

    /** Outputs looked up by the value of one input of each item, from a JSON file in the model's folder. */
    record KeyedAnswers(String file, String key) implements FallbackSpec {
        @Override
        public String toString() {
            return "answers " + file + " keyed by " + key;
        }
    }
}
