package dev.quiver.orchestration.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A pipeline as its YAML file declares it: a versioned DAG of steps. A run records the version it used.
 *
 * @param name    lower-case letters, digits and dashes
 * @param version  increases with every change of the file
 * @param priority the pool's priority class its steps wait and run with; the pool's default when absent
 * @param schedule when it runs by itself, if it does
 * @param onObject which new objects start a run, if any do
 * @param sla      how long a run may take, from its request to its end; longer is a miss
 */
public record PipelineSpec(String name, int version, Optional<String> description, Optional<String> priority,
                           Optional<ScheduleSpec> schedule, Optional<ObjectTrigger> onObject,
                           Optional<Duration> sla, List<StepSpec> steps) {

    public PipelineSpec {
        steps = List.copyOf(steps);
    }

    public Optional<StepSpec> step(String stepName) {
        return steps.stream().filter(step -> step.name().equals(stepName)).findFirst();
    }
}
