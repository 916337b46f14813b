package dev.quiver.inference.modelconfig;

import java.time.Duration;

/**
 * What a model gets for each setting its configuration file leaves out. The batching defaults come from
 * {@code quiver.inference.batching.*}, the deadline and output checks from {@code quiver.inference.timeout} and
 * {@code quiver.inference.output-checks.*}; the rest are fixed here.
 */
public final class ModelConfigDefaults {

    public static final VersionPolicy VERSION_POLICY = new VersionPolicy.Latest(1);
    public static final int INSTANCES = 1;
    public static final int THREADS = 0;

    private ModelConfigDefaults() {
    }

    public static ModelConfig apply(ModelConfigSpec spec, BatchingDefaults batching, FailsafeDefaults failsafe) {
        return new ModelConfig(
                spec.versionPolicy() == null ? VERSION_POLICY : spec.versionPolicy(),
                spec.maxBatchSize() == null ? batching.maxBatchSize() : spec.maxBatchSize(),
                spec.maxBatchSize() != null,
                spec.maxQueueDelayMs() == null ? batching.maxQueueDelay() : millis(spec.maxQueueDelayMs()),
                spec.inlineMaxComputeMs() == null ? batching.inlineMaxCompute() : millis(spec.inlineMaxComputeMs()),
                spec.instances() == null ? INSTANCES : spec.instances(),
                spec.intraOpThreads() == null ? THREADS : spec.intraOpThreads(),
                spec.interOpThreads() == null ? THREADS : spec.interOpThreads(),
                Boolean.TRUE.equals(spec.spinning()),
                spec.inputNames(),
                spec.outputNames(),
                spec.timeoutMs() == null ? failsafe.timeout() : millis(spec.timeoutMs()),
                spec.fallback(),
                spec.outputCheckFailures() == null ? failsafe.outputCheckFailures() : spec.outputCheckFailures(),
                spec.outputCheckWindow() == null ? failsafe.outputCheckWindow() : spec.outputCheckWindow(),
                spec.monitoring());
    }

    private static Duration millis(double value) {
        return Duration.ofNanos(Math.round(value * 1_000_000));
    }
}
