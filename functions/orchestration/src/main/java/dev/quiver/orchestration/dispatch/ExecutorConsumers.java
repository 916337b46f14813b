package dev.quiver.orchestration.dispatch;

import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.pipeline.StepSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which executors have something that runs their steps where the function runs. Built-in and {@code function} steps
 * run in the function in every mode. Without a sink (embedded mode) the function is its own broker and runs
 * {@code process} steps itself. With a sink (deployed), it sends their dispatch to the broker, where only the executors
 * named in {@code quiver.orchestration.broker-executors} have a consumer (a Trigger on the {@code executor} extension);
 * {@code kubernetes-job} steps have one when the function creates Jobs itself
 * ({@code quiver.orchestration.kubernetes.enabled}) or when the broker's executors include it. A pipeline naming an
 * executor without a consumer is refused when it is loaded, rather than waiting for a heartbeat timeout in every run.
 */
public final class ExecutorConsumers {

    private final boolean deployed;
    private final boolean jobs;
    private final Set<ExecutorKind> broker;

    public ExecutorConsumers(boolean deployed, boolean jobs, Set<ExecutorKind> broker) {
        this.deployed = deployed;
        this.jobs = jobs;
        this.broker = broker.isEmpty() ? EnumSet.noneOf(ExecutorKind.class) : EnumSet.copyOf(broker);
    }

    /** @throws IllegalArgumentException when {@code broker-executors} names an executor Quiver does not know */
    public static ExecutorConsumers of(OrchestrationConfig config) {
        Set<ExecutorKind> broker = EnumSet.noneOf(ExecutorKind.class);
        for (String name : config.brokerExecutors().orElse(Set.of())) {
            broker.add(ExecutorKind.fromYaml(name.strip()).orElseThrow(() -> new IllegalArgumentException(
                    "quiver.orchestration.broker-executors: unknown executor \"" + name + "\"; expected one of "
                            + ExecutorKind.names())));
        }
        return new ExecutorConsumers(config.sink().isPresent(), config.kubernetes().enabled(), broker);
    }

    public boolean available(ExecutorKind executor) {
        return switch (executor) {
            case SELECT_MODELS, PUBLISH_MODEL, AGGREGATE_PREDICTIONS, FUNCTION -> true;
            case PROCESS -> !deployed || broker.contains(executor);
            case KUBERNETES_JOB -> jobs || deployed && broker.contains(executor);
        };
    }

    public List<ExecutorKind> available() {
        return Arrays.stream(ExecutorKind.values()).filter(this::available).toList();
    }

    /** @return one message for each step whose executor has no consumer here, naming it and what is available */
    public List<String> problems(PipelineSpec spec) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < spec.steps().size(); i++) {
            StepSpec step = spec.steps().get(i);
            if (step.executor() != null && !available(step.executor())) {
                problems.add("line " + step.line() + ", steps[" + i + "].executor: step \"" + step.name()
                        + "\" uses \"" + step.executor().yamlName() + "\", which has no consumer here (" + why(step
                        .executor()) + "); available: " + String.join(", ", available().stream()
                        .map(ExecutorKind::yamlName).toList()));
            }
        }
        return problems;
    }

    private String why(ExecutorKind executor) {
        if (executor == ExecutorKind.KUBERNETES_JOB && !deployed) {
            return "quiver.orchestration.kubernetes.enabled is false";
        }
        if (executor == ExecutorKind.KUBERNETES_JOB) {
            return "quiver.orchestration.kubernetes.enabled is false and quiver.orchestration.broker-executors does "
                    + "not name it";
        }
        return "its steps go to the broker (quiver.orchestration.sink is set) and "
                + "quiver.orchestration.broker-executors does not name it";
    }
}
