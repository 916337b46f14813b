package dev.quiver.inference.runtime;

import java.time.Duration;

/** How long loading a model version took: creating its ONNX Runtime session, then its warm-up inferences. */
public record LoadTimings(Duration session, Duration warmUp) {

    public static final LoadTimings NONE = new LoadTimings(Duration.ZERO, Duration.ZERO);

    public LoadTimings plus(LoadTimings other) {
        return new LoadTimings(session.plus(other.session), warmUp.plus(other.warmUp));
    }
}
