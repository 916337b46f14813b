package dev.quiver.inference.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import dev.quiver.inference.startup.StartupTimeline;
import io.quarkus.runtime.ImageMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The process's one ONNX Runtime environment, shared by every session. Loading it (native libraries, then the
 * environment) starts on a thread of its own as soon as the CDI container is up, during Quarkus's static
 * initialization, so the first model load finds it ready instead of waiting for it after Quarkus's start: it needs no
 * configuration, and on a scale from zero it is otherwise a step of its own before the first prediction.
 */
@ApplicationScoped
public class OnnxEnvironmentProducer {

    private volatile CompletableFuture<LoadedEnvironment> loading;

    /**
     * Not while a native image is built: its static initialization runs at build time, where no thread may be left
     * running; a native executable loads the environment when the first model needs it.
     */
    void startLoading(@Observes @Initialized(ApplicationScoped.class) Object containerUp) {
        if (ImageMode.current() != ImageMode.NATIVE_BUILD) {
            loading = CompletableFuture.supplyAsync(OnnxEnvironmentProducer::load,
                    task -> Thread.ofPlatform().name("quiver-onnx-runtime").daemon().start(task));
        }
    }

    @Produces
    @Singleton
    OrtEnvironment environment(StartupTimeline timeline) {
        LoadedEnvironment loaded;
        try {
            loaded = loading == null ? load() : loading.join();
        } catch (CompletionException e) {
            // what loading threw (a missing native library, say), not the wrapper
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        timeline.onnxRuntimeLoaded(loaded.took());
        return loaded.environment();
    }

    private static LoadedEnvironment load() {
        long started = System.nanoTime();
        ExtractedOnnxLibraries.useWhenPresent();
        OrtEnvironment environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "quiver");
        return new LoadedEnvironment(environment, Duration.ofNanos(System.nanoTime() - started));
    }

    private record LoadedEnvironment(OrtEnvironment environment, Duration took) {
    }
}
