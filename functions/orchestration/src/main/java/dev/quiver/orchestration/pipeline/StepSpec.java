package dev.quiver.orchestration.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One step of a pipeline as declared.
 *
 * @param executor  what runs it ({@link ExecutorKind})
 * @param params    the executor's parameters, as YAML gives them (strings, numbers, booleans, lists, maps)
 * @param depends   the steps it waits for; a fanned-out step counts as all of its instances
 * @param trigger   when it may start, from the states of its upstream steps
 * @param forEach   parameter sets: one instance of the step per set, each with the set merged over {@code params}
 * @param priority  the pool's priority class its attempts wait and run with, over its pipeline's
 * @param retrigger whether a new upstream success after it started runs it again (serve the better model as it
 *                  arrives)
 * @param expectedDuration how long an attempt is expected to run at most; longer is an SLA miss (it runs on)
 * @param stallAfter how long heartbeats may go on with no rise of progress before the attempt fails as stalled
 * @param line      where the step starts in the file, for messages
 */
public record StepSpec(String name, ExecutorKind executor, Map<String, Object> params, Resources resources,
                       List<Dependency> depends, TriggerRule trigger, List<Map<String, Object>> forEach,
                       Optional<Memoization> memoize, Optional<RetrySpec> retry, Optional<Duration> deadline,
                       Optional<Duration> expectedDuration, Optional<Duration> stallAfter, Optional<String> priority,
                       boolean retrigger, int line) {

    public StepSpec {
        params = Map.copyOf(params);
        depends = List.copyOf(depends);
        forEach = List.copyOf(forEach);
    }

    /** A dependency on another step. */
    public record Dependency(String step) {
    }

    public boolean fansOut() {
        return !forEach.isEmpty();
    }
}
