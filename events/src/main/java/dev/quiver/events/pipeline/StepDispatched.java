package dev.quiver.events.pipeline;

import java.util.List;
import java.util.Map;

/**
 * Payload of {@code dev.quiver.step.dispatched}: what an executor needs to run one attempt of a step instance. The
 * executor reports back with {@code dev.quiver.step.completed} or {@code dev.quiver.step.failed} carrying the same
 * run, instance and attempt.
 *
 * @param instance        the step name, with {@code [i]} for the i-th parameter set of a fanned-out step
 * @param attempt         from 1
 * @param executor        {@code process}, {@code kubernetes-job}, {@code function}, {@code select-models},
 *                        {@code publish-model}, {@code aggregate-predictions}
 * @param cpuMillis       thousandths of a core
 * @param deadlineSeconds how long the attempt may take; null for no deadline
 * @param inputs          the artifacts the upstream instances left (their latest successful attempts)
 * @param queue           the shared pool's queue the step waits in (a Job's Kueue LocalQueue); null when not said
 * @param priorityClass   the pool's priority class it waits with (a Job's Kueue WorkloadPriorityClass)
 */
public record StepDispatched(String runId, String pipeline, int pipelineVersion, String step, String instance,
                             int attempt, String executor, Map<String, Object> params, long cpuMillis,
                             long memoryBytes, int gpus, int workers, Long deadlineSeconds, List<Input> inputs,
                             String queue, String priorityClass) {

    /** An artifact an upstream instance produced. */
    public record Input(String instance, String name, String uri, String digest) {
    }
}
