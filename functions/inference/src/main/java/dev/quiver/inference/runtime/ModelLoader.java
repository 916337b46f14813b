package dev.quiver.inference.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.BatchObserver;
import dev.quiver.inference.batching.BatchingPolicy;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates the ONNX Runtime session of a model version, reads its signature, checks it against the model's
 * configuration and warms it up. Only a version that passed all of this is returned, so nothing is served half-loaded.
 */
@ApplicationScoped
public class ModelLoader {

    private final OrtEnvironment environment;

    public ModelLoader(OrtEnvironment environment) {
        this.environment = environment;
    }

    public LoadedModel load(String name, long version, Path modelFile, ModelConfig config, BatchObserver observer)
            throws ModelLoadException {
        String label = name + "/" + version;
        long started = System.nanoTime();
        OrtSession session;
        try (OrtSession.SessionOptions options = sessionOptions(config)) {
            session = environment.createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot load " + modelFile.getFileName() + ": " + e.getMessage(),
                    e);
        }
        try {
            ModelSignature signature = signature(session, config);
            int maxBatchSize = maxBatchSize(signature, config);
            BatchingPolicy policy = new BatchingPolicy(maxBatchSize, config.maxQueueDelay(), config.instances(),
                    config.inlineMaxCompute());
            long warmUpStarted = System.nanoTime();
            warmUp(session, signature, 1);
            if (policy.merges()) {
                warmUp(session, signature, maxBatchSize);
            }
            LoadTimings timings = new LoadTimings(Duration.ofNanos(warmUpStarted - started),
                    Duration.ofNanos(System.nanoTime() - warmUpStarted));
            DynamicBatcher batcher = new DynamicBatcher(label, new OnnxBatchRunner(label, environment, session),
                    policy, observer);
            return new LoadedModel(name, version, signature, session, batcher, timings);
        } catch (ModelLoadException | RuntimeException e) {
            closeQuietly(session);
            throw e instanceof ModelLoadException loadFailure ? loadFailure
                    : new ModelLoadException("cannot serve " + modelFile.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private OrtSession.SessionOptions sessionOptions(ModelConfig config) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setIntraOpNumThreads(config.intraOpThreads());
        options.setInterOpNumThreads(config.interOpThreads());
        // spinning threads burn the cores the HTTP layer and the other models need while they wait for work
        String spinning = config.spinning() ? "1" : "0";
        options.addConfigEntry("session.intra_op.allow_spinning", spinning);
        options.addConfigEntry("session.inter_op.allow_spinning", spinning);
        return options;
    }

    private static ModelSignature signature(OrtSession session, ModelConfig config) throws ModelLoadException {
        try {
            List<TensorSpec> inputs = specs("input", session.getInputInfo(), config.inputNames());
            List<TensorSpec> outputs = specs("output", session.getOutputInfo(), config.outputNames());
            return new ModelSignature(inputs, outputs);
        } catch (OrtException e) {
            throw new ModelLoadException("cannot read the model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    private static List<TensorSpec> specs(String kind, Map<String, NodeInfo> nodes, Map<String, String> renames)
            throws ModelLoadException {
        Set<String> unknown = new HashSet<>(renames.keySet());
        unknown.removeAll(nodes.keySet());
        if (!unknown.isEmpty()) {
            throw new ModelLoadException("config " + kind + "s: " + unknown + " not in the model, whose " + kind
                    + "s are " + nodes.keySet());
        }
        List<TensorSpec> specs = new ArrayList<>();
        Set<String> publicNames = new HashSet<>();
        for (NodeInfo node : nodes.values()) {
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new ModelLoadException(kind + " " + node.getName() + " is a " + node.getInfo()
                        + "; Quiver serves tensor " + kind + "s only");
            }
            Datatype datatype = Datatype.fromOnnx(info.onnxType).orElseThrow(() -> new ModelLoadException(
                    kind + " " + node.getName() + " has element type "
                            + info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "")
                            + "; Quiver serves " + Datatype.SUPPORTED));
            String publicName = renames.getOrDefault(node.getName(), node.getName());
            if (!publicNames.add(publicName)) {
                throw new ModelLoadException("two " + kind + "s would both be called " + publicName);
            }
            specs.add(new TensorSpec(publicName, node.getName(), datatype, info.getShape()));
        }
        return specs;
    }

    private static int maxBatchSize(ModelSignature signature, ModelConfig config) throws ModelLoadException {
        if (signature.supportsBatching()) {
            return config.maxBatchSize();
        }
        if (config.batchingExplicit() && config.maxBatchSize() > 0) {
            throw new ModelLoadException("max_batch_size is " + config.maxBatchSize() + " but not every input and "
                    + "output has a dynamic first dimension (inputs " + signature.inputs() + ", outputs "
                    + signature.outputs() + "); set max_batch_size: 0");
        }
        return 0;
    }

    private void warmUp(OrtSession session, ModelSignature signature, int batchSize) throws ModelLoadException {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (TensorSpec spec : signature.inputs()) {
                long[] shape = spec.shape();
                for (int i = 0; i < shape.length; i++) {
                    if (shape[i] < 0) {
                        shape[i] = i == 0 ? batchSize : 1;
                    }
                }
                long bytes = spec.datatype().byteCount(Tensor.elementCount(shape));
                ByteBuffer zeros = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
                inputs.put(spec.onnxName(), OnnxTensor.createTensor(environment, zeros, shape,
                        spec.datatype().javaType()));
            }
            session.run(inputs).close();
        } catch (OrtException | InferenceException | ArithmeticException e) {
            throw new ModelLoadException("warm-up inference with batch size " + batchSize + " failed: "
                    + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // the load already failed; that failure is what gets reported
        }
    }
}
