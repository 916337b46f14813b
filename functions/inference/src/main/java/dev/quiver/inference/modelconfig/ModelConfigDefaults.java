package dev.quiver.inference.modelconfig;

import java.time.Duration;

/**
 * What a model gets for each setting its configuration file leaves out. The function-wide defaults come from
 * {@code quiver.inference.batching.*}; the rest are fixed here.
 */
public final class ModelConfigDefaults {

    public static final VersionPolicy VERSION_POLICY = new VersionPolicy.Latest(1);
    public static final int INSTANCES = 1;
    public static final int THREADS = 0;

    private ModelConfigDefaults() {
    }

    public static ModelConfig apply(ModelConfigSpec spec, int defaultMaxBatchSize, Duration defaultMaxQueueDelay) {
        return new ModelConfig(
                spec.versionPolicy() == null ? VERSION_POLICY : spec.versionPolicy(),
                spec.maxBatchSize() == null ? defaultMaxBatchSize : spec.maxBatchSize(),
                spec.maxBatchSize() != null,
                spec.maxQueueDelayMs() == null
                        ? defaultMaxQueueDelay
                        : Duration.ofNanos(Math.round(spec.maxQueueDelayMs() * 1_000_000)),
                spec.instances() == null ? INSTANCES : spec.instances(),
                spec.intraOpThreads() == null ? THREADS : spec.intraOpThreads(),
                spec.interOpThreads() == null ? THREADS : spec.interOpThreads(),
                Boolean.TRUE.equals(spec.spinning()),
                spec.inputNames(),
                spec.outputNames());
    }
}
