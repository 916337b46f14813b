package dev.quiver.orchestration.pipeline;

/**
 * What a step needs to run, in the units Kubernetes schedules by.
 *
 * @param cpuMillis   thousandths of a core ({@code cpu: 500m} or {@code cpu: 2})
 * @param memoryBytes {@code memory: 512Mi}, {@code 4Gi}, {@code 1G}
 * @param gpus        whole GPUs
 * @param workers     processes or pods the step runs as
 */
public record Resources(long cpuMillis, long memoryBytes, int gpus, int workers) {

    /** What a step that says nothing gets: one core, 512 MiB, no GPU, one worker. */
    public static final Resources DEFAULT = new Resources(1000, 512L << 20, 0, 1);
}
