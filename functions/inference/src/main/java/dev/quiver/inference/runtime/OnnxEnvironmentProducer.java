package dev.quiver.inference.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import dev.quiver.inference.startup.StartupTimeline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/** The process's one ONNX Runtime environment, shared by every session. */
@ApplicationScoped
public class OnnxEnvironmentProducer {

    @Produces
    @Singleton
    OrtEnvironment environment(StartupTimeline timeline) throws OrtException {
        long started = System.nanoTime();
        ExtractedOnnxLibraries.useWhenPresent();
        OrtEnvironment environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "quiver");
        timeline.onnxRuntimeLoaded(Duration.ofNanos(System.nanoTime() - started));
        return environment;
    }
}
