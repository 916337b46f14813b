package dev.quiver.inference.modelconfig;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What a model gets for each setting its configuration file leaves out. The batching defaults come from
 * {@code quiver.inference.batching.*}, the deadline and output checks from {@code quiver.inference.timeout} and
 * {@code quiver.inference.output-checks.*}; the golden-set interval is left to {@code quiver.inference.golden-set.interval}
 * when unset; the rest are fixed here.
 */
public final class ModelConfigDefaults {

    public static final VersionPolicy VERSION_POLICY = new VersionPolicy.Latest(1);
    public static final int INSTANCES = 1;
    public static final int THREADS = 0;
    /** PSI above 0.25 is the usual mark of a major shift; 0.1 to 0.25 is a moderate one. */
    public static final DriftSettings DRIFT = new DriftSettings(0.25, 0.01, 1000, 0.1);

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
                drift(spec.drift()),
                spec.goldenSetInterval(),
                Optional.ofNullable(spec.routing()).map(ModelConfigDefaults::routing),
                spec.monitoring());
    }

    private static DriftSettings drift(DriftSpec spec) {
        if (spec == null) {
            return DRIFT;
        }
        return new DriftSettings(spec.psi() == null ? DRIFT.psi() : spec.psi(),
                spec.ksP() == null ? DRIFT.ksP() : spec.ksP(),
                spec.window() == null ? DRIFT.window() : spec.window(),
                spec.sampleRate() == null ? DRIFT.sampleRate() : spec.sampleRate());
    }

    /** A valid routing block after defaults: sticky by caller, argmax or values decided by the output. */
    public static Routing routing(RoutingSpec spec) {
        Optional<Routing.Shadow> shadow = Optional.ofNullable(spec.shadow()).map(s -> new Routing.Shadow(s.target(),
                s.share(), s.compare() == null ? Routing.Compare.AUTO
                : Routing.Compare.valueOf(s.compare().toUpperCase(Locale.ROOT))));
        return new Routing(spec.aliases(), spec.weights(), StickyKey.parse(spec.stickyKey()), shadow);
    }

    private static Duration millis(double value) {
        return Duration.ofNanos(Math.round(value * 1_000_000));
    }
}
