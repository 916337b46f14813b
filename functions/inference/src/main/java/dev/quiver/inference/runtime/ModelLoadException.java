package dev.quiver.inference.runtime;

import dev.quiver.inference.validation.GateReport;
import java.util.Optional;

/** A model version that cannot be served; the message says why and is shown on the metadata endpoint. */
public class ModelLoadException extends Exception {

    private final transient GateReport gate;

    public ModelLoadException(String message) {
        super(message);
        this.gate = null;
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
        this.gate = null;
    }

    /** A version the validity gate refused. */
    public ModelLoadException(String message, GateReport gate) {
        super(message);
        this.gate = gate;
    }

    /** What the validity gate found, when it ran to the end. */
    public Optional<GateReport> gate() {
        return Optional.ofNullable(gate);
    }
}
