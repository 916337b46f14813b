package dev.quiver.orchestration.pipeline;

import java.util.Arrays;
import java.util.Optional;

/**
 * When a step may start, from the states of its upstream steps. The names and their meaning follow Airflow's trigger
 * rules; {@link Kind#AT_LEAST} is a quorum: at least {@code quorum} upstream successes ("select models once 2 of the 3
 * trainings are done").
 */
public record TriggerRule(Kind kind, int quorum) {

    public static final TriggerRule ALL_SUCCESS = new TriggerRule(Kind.ALL_SUCCESS, 0);

    public enum Kind {
        ALL_SUCCESS("all-success"),
        ALL_FAILED("all-failed"),
        ALL_DONE("all-done"),
        ONE_SUCCESS("one-success"),
        ONE_FAILED("one-failed"),
        NONE_FAILED("none-failed"),
        NONE_FAILED_MIN_ONE_SUCCESS("none-failed-min-one-success"),
        ALWAYS("always"),
        AT_LEAST("at-least");

        private final String yamlName;

        Kind(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }

        public static Optional<Kind> fromYaml(String name) {
            return Arrays.stream(values()).filter(kind -> kind.yamlName.equals(name)).findFirst();
        }

        public static String names() {
            return String.join(", ", Arrays.stream(values()).filter(kind -> kind != AT_LEAST)
                    .map(Kind::yamlName).toList());
        }
    }

    public static TriggerRule atLeast(int successes) {
        return new TriggerRule(Kind.AT_LEAST, successes);
    }

    public static TriggerRule of(Kind kind) {
        return new TriggerRule(kind, 0);
    }

    @Override
    public String toString() {
        return kind == Kind.AT_LEAST ? "at-least " + quorum : kind.yamlName();
    }
}
