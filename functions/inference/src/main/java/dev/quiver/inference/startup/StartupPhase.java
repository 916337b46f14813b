package dev.quiver.inference.startup;

/**
 * The phases from the process's start to its first prediction, as labelled in
 * {@code quiver_startup_phase_seconds{phase}}. JVM, Quarkus and first response follow one another; ONNX Runtime's
 * loading runs beside Quarkus's start; model fetch, session creation and warm-up come between Quarkus's start and the
 * function being ready.
 */
public enum StartupPhase {
    /** From the process's creation to the JVM's start: the launcher loading and starting the JVM. */
    JVM("jvm"),
    /** From the JVM's start to Quarkus's StartupEvent: class loading, static and runtime initialization. */
    QUARKUS("quarkus"),
    /**
     * Loading ONNX Runtime: its native libraries, extracted from its jar into a temporary folder unless
     * {@code onnxruntime.native.path} names a folder that holds them, and its environment. Done on a thread of its own
     * from the CDI container's start, so it overlaps the Quarkus phase.
     */
    ONNX_RUNTIME("onnx_runtime"),
    /** The first look at the model repository: downloading it when it is in object storage, then scanning it. */
    MODEL_FETCH("model_fetch"),
    /** Creating the ONNX Runtime sessions of the models of the first look, one after another. */
    SESSION("session"),
    /** Their warm-up inferences. */
    WARM_UP("warm_up"),
    /** From the function being ready (started, models loaded) to the end of its first successful prediction. */
    FIRST_RESPONSE("first_response");

    private final String label;

    StartupPhase(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
