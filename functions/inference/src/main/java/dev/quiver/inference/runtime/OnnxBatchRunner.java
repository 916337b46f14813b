package dev.quiver.inference.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.BatchRunner;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import io.netty.util.Timeout;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Runs one ONNX Runtime session on tensors whose data sit in direct little-endian buffers. A run with a time to stop
 * at is given run options whose terminate flag the deadline timer sets then: ONNX Runtime checks it between nodes (and
 * between a loop's iterations), so the run ends soon after instead of holding a core for an answer no one waits for.
 */
final class OnnxBatchRunner implements BatchRunner {

    private static final Logger LOG = Logger.getLogger(OnnxBatchRunner.class);

    private final String label;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final DeadlineTimer deadlines;

    OnnxBatchRunner(String label, OrtEnvironment environment, OrtSession session, DeadlineTimer deadlines) {
        this.label = label;
        this.environment = environment;
        this.session = session;
        this.deadlines = deadlines;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs) {
        return run(inputs, outputs, DynamicBatcher.NO_DEADLINE);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs, long stopAtNanos) {
        Map<String, OnnxTensor> onnxInputs = new HashMap<>();
        try (StoppableRun run = stopAtNanos == DynamicBatcher.NO_DEADLINE ? null : new StoppableRun()) {
            for (Tensor input : inputs.values()) {
                onnxInputs.put(input.name(), OnnxTensor.createTensor(environment, input.data(), input.shape(),
                        input.datatype().javaType()));
            }
            Timeout stop = run == null ? null : deadlines.at(stopAtNanos, run::stop);
            try (OrtSession.Result result = run == null ? session.run(onnxInputs, outputs)
                    : session.run(onnxInputs, outputs, run.options)) {
                Map<String, Tensor> tensors = new HashMap<>();
                for (Map.Entry<String, OnnxValue> entry : result) {
                    tensors.put(entry.getKey(), toTensor(entry.getKey(), entry.getValue()));
                }
                return tensors;
            } catch (OrtException e) {
                if (run != null && run.stopped()) {
                    throw InferenceException.deadlineExceeded("model " + label + " did not answer within its "
                            + "requests' deadline: the run was stopped");
                }
                throw e;
            } finally {
                if (stop != null) {
                    stop.cancel();
                }
            }
        } catch (OrtException e) {
            if (causedByInputValues(e)) {
                throw InferenceException.invalidInput("model " + label + " rejected the input: " + reason(e));
            }
            throw InferenceException.internal("model " + label + " failed in ONNX Runtime: " + e.getMessage(), e);
        } finally {
            onnxInputs.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Inputs reach a run with names, types and shapes checked, and the model passed its warm-up, so a run that fails
     * in one of its nodes failed on these values (an index out of range, say): the caller's to fix, not a fault to
     * retry. Allocation failures are the exception.
     */
    private static boolean causedByInputValues(OrtException e) {
        String message = String.valueOf(e.getMessage());
        return e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT
                || (e.getCode() == OrtException.OrtErrorCode.ORT_FAIL && message.contains("while running")
                && !message.toLowerCase(Locale.ROOT).contains("allocat"));
    }

    /**
     * The run options of one run, whose terminate flag the deadline timer may set while the run is under way: never
     * once they are closed (their native memory freed), which the lock rules out.
     */
    private static final class StoppableRun implements AutoCloseable {
        private final OrtSession.RunOptions options;
        private boolean stopped;
        private boolean closed;

        StoppableRun() throws OrtException {
            options = new OrtSession.RunOptions();
        }

        synchronized void stop() {
            if (closed) {
                return;
            }
            try {
                options.setTerminate(true);
                stopped = true;
            } catch (OrtException e) {
                LOG.warnf(e, "a run could not be stopped; it runs to its end");
            }
        }

        synchronized boolean stopped() {
            return stopped;
        }

        @Override
        public synchronized void close() {
            closed = true;
            options.close();
        }
    }

    /** ONNX Runtime's own explanation, without the source file and function it was raised in. */
    private static String reason(OrtException e) {
        String message = String.valueOf(e.getMessage()).strip();
        int status = message.indexOf("Status Message: ");
        String detail = status >= 0 ? message.substring(status + "Status Message: ".length()) : message;
        int signatureEnd = detail.lastIndexOf("] ");
        if (detail.startsWith("/") && signatureEnd > 0) {
            detail = detail.substring(signatureEnd + 2);
        }
        int node = message.indexOf("Name:'");
        String nodeName = node >= 0 ? message.substring(node + 6, message.indexOf('\'', node + 6)) : null;
        return (nodeName == null ? "" : "node " + nodeName + ": ") + detail;
    }

    private Tensor toTensor(String name, OnnxValue value) {
        if (!(value instanceof OnnxTensor tensor)) {
            throw InferenceException.internal("model " + label + " output " + name + " is a "
                    + value.getType() + ", not a tensor", null);
        }
        TensorInfo info = tensor.getInfo();
        Datatype datatype = Datatype.fromOnnx(info.onnxType).orElseThrow(() -> InferenceException.internal(
                "model " + label + " output " + name + " has type " + info.onnxType + ", which Quiver does not serve",
                null));
        return new Tensor(name, datatype, info.getShape(), tensor.getByteBuffer());
    }
}
