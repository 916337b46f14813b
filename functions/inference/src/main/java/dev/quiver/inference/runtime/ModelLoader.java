package dev.quiver.inference.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.BatchObserver;
import dev.quiver.inference.batching.BatchingPolicy;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.fallback.FallbackChains;
import dev.quiver.inference.fallback.FallbackStep;
import dev.quiver.inference.fallback.InvalidFallbackException;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.validation.GateReport;
import dev.quiver.inference.validation.InvalidValidationException;
import dev.quiver.inference.validation.OutputChecks;
import dev.quiver.inference.validation.ResidentMemory;
import dev.quiver.inference.validation.ValidationFiles;
import dev.quiver.inference.validation.ValidationSpec;
import dev.quiver.inference.validation.ValidityGate;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Creates the ONNX Runtime session of a model version, reads its signature, checks it against the model's
 * configuration, warms it up and puts it through the validity gate ({@link ValidityGate}). Only a version that passed
 * all of this is returned, so nothing is served half-loaded or failing its own checks.
 */
@ApplicationScoped
public class ModelLoader {

    private final OrtEnvironment environment;
    private final DeadlineTimer deadlines;

    public ModelLoader(OrtEnvironment environment, DeadlineTimer deadlines) {
        this.environment = environment;
        this.deadlines = deadlines;
    }

    public LoadedModel load(String name, long version, Path modelFile, ModelConfig config, BatchObserver observer)
            throws ModelLoadException {
        String label = name + "/" + version;
        long started = System.nanoTime();
        ValidationSpec validation;
        try {
            validation = ValidationFiles.read(modelFile).orElse(ValidationSpec.none());
        } catch (InvalidValidationException e) {
            throw new ModelLoadException("validity gate: " + e.getMessage(), e);
        }
        String digest = ModelDigest.sha256(modelFile);
        OptionalLong memoryBefore = ResidentMemory.bytes();
        OrtSession session;
        try (OrtSession.SessionOptions options = sessionOptions(config)) {
            session = environment.createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot load " + modelFile.getFileName() + ": " + e.getMessage(),
                    e);
        }
        try {
            ModelSignature signature = signature(session, config);
            List<FallbackStep> fallback;
            try {
                fallback = FallbackChains.resolve(config.fallback(), modelFile.getParent().getParent(), signature);
            } catch (InvalidFallbackException e) {
                throw new ModelLoadException("fallback chain refused: " + e.getMessage(), e);
            }
            int maxBatchSize = maxBatchSize(signature, config);
            BatchingPolicy policy = new BatchingPolicy(maxBatchSize, config.maxQueueDelay(), config.instances(),
                    config.inlineMaxCompute());
            long warmUpStarted = System.nanoTime();
            OnnxBatchRunner runner = new OnnxBatchRunner(label, environment, session, deadlines);
            GateReport gate = gate(signature, validation, runner, policy.merges() ? maxBatchSize : 1, memoryBefore);
            if (!gate.passed()) {
                throw new ModelLoadException("validity gate: " + gate.failures(), gate);
            }
            LoadTimings timings = new LoadTimings(Duration.ofNanos(warmUpStarted - started),
                    Duration.ofNanos(System.nanoTime() - warmUpStarted));
            DynamicBatcher batcher = new DynamicBatcher(label, runner, policy, observer);
            OutputChecks checks = OutputChecks.of(signature.outputs(), validation.outputs());
            return new LoadedModel(name, version, signature, session, batcher, timings, config, checks, fallback,
                    digest, gate, modelFile);
        } catch (ModelLoadException | RuntimeException e) {
            closeQuietly(session);
            throw e instanceof ModelLoadException loadFailure ? loadFailure
                    : new ModelLoadException("cannot serve " + modelFile.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static GateReport gate(ModelSignature signature, ValidationSpec validation, OnnxBatchRunner runner,
                                   int maxBatchSize, OptionalLong memoryBefore) throws ModelLoadException {
        try {
            return new ValidityGate(signature, validation, runner).run(maxBatchSize, () -> {
                OptionalLong now = ResidentMemory.bytes();
                return now.isPresent() && memoryBefore.isPresent()
                        ? Math.max(0, now.getAsLong() - memoryBefore.getAsLong()) / (1024.0 * 1024.0) : null;
            });
        } catch (InvalidValidationException e) {
            throw new ModelLoadException("validity gate: " + ValidationSpec.FILE + " " + e.getMessage(), e);
        } catch (InferenceException e) {
            throw new ModelLoadException("warm-up inference failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new ModelLoadException("warm-up inference failed: " + e.getMessage(), e);
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

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // the load already failed; that failure is what gets reported
        }
    }
}
