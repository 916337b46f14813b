package dev.quiver.inference.serving;

import dev.quiver.inference.tensor.Tensor;
import java.util.List;

/** A parsed request, whatever protocol it came in: inputs under the names callers use, and the outputs wanted. */
public interface InferenceRequest {

    /** The inputs in the order the caller gave them. */
    List<Tensor> inputs();

    /** Names of the outputs wanted; empty means every output. */
    List<String> outputs();

    /** The timeout the request itself asks for (v2 {@code parameters.timeout_ms}), as sent; null when it asks none. */
    default Object timeoutParameter() {
        return null;
    }
}
