package dev.quiver.orchestration.pipeline;

import java.util.Arrays;
import java.util.Optional;

/** What runs a step: an executor outside the function, or a step built into it. */
public enum ExecutorKind {

    /** A local process (the embedded default). */
    PROCESS("process"),
    /** A Kubernetes Job. */
    KUBERNETES_JOB("kubernetes-job"),
    /** A CloudEvent sent to a URL, for example to storage-triggered batch inference. */
    FUNCTION("function"),
    /** Built in: the top models by a metric recorded by upstream steps. */
    SELECT_MODELS("select-models"),
    /** Built in: an ONNX artifact put into the inference function's model repository as a new version. */
    PUBLISH_MODEL("publish-model"),
    /** Built in: batch inference with the published versions over held-out rows, and their combined accuracy. */
    AGGREGATE_PREDICTIONS("aggregate-predictions");

    private final String yamlName;

    ExecutorKind(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<ExecutorKind> fromYaml(String name) {
        return Arrays.stream(values()).filter(kind -> kind.yamlName.equals(name)).findFirst();
    }

    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(ExecutorKind::yamlName).toList());
    }
}
