package dev.quiver.inference.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The process's one ONNX Runtime environment, shared by every session. */
@ApplicationScoped
public class OnnxEnvironmentProducer {

    @Produces
    @Singleton
    OrtEnvironment environment() throws OrtException {
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "quiver");
    }
}
