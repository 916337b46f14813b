package dev.quiver.inference.predictionlog;

import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import java.nio.ByteBuffer;

/**
 * A tensor as the prediction log keeps it: its elements copied, or left out because the tensor is redacted or larger
 * than the log's cap. Copied because a request's buffers may be reused once its response has been sent.
 *
 * @param data the elements, little-endian; {@code null} unless {@code omission} is {@link Omission#NONE}
 */
public record LoggedTensor(String name, Datatype datatype, long[] shape, ByteBuffer data, Omission omission) {

    /** Why a tensor's elements are not in the log. */
    public enum Omission {
        NONE, REDACTED, TRUNCATED
    }

    static LoggedTensor of(Tensor tensor, boolean redacted, long maxBytes) {
        if (redacted) {
            return new LoggedTensor(tensor.name(), tensor.datatype(), tensor.shape(), null, Omission.REDACTED);
        }
        if (tensor.data().remaining() > maxBytes) {
            return new LoggedTensor(tensor.name(), tensor.datatype(), tensor.shape(), null, Omission.TRUNCATED);
        }
        ByteBuffer copy = ByteBuffer.allocate(tensor.data().remaining());
        copy.put(tensor.data().duplicate()).flip();
        return new LoggedTensor(tensor.name(), tensor.datatype(), tensor.shape(), copy, Omission.NONE);
    }

    Tensor tensor() {
        return new Tensor(name, datatype, shape, data);
    }
}
