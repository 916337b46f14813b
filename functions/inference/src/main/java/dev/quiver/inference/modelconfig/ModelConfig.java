package dev.quiver.inference.modelconfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's complete serving configuration, after defaults.
 *
 * @param maxBatchSize   most items merged into one run; 0 means never merge
 * @param batchingExplicit whether the file set {@code max_batch_size}: a default is dropped to 0 for a graph whose
 *                       first dimensions are not all dynamic, an explicit value on such a graph is an error
 * @param inlineMaxCompute runs expected to be shorter may run on the event-loop thread that parsed the request when
 *                       the model is idle, instead of waking a batcher thread
 * @param inputNames     ONNX input name to the name callers use, for the inputs that are renamed
 * @param outputNames    ONNX output name to the name callers use, for the outputs that are renamed
 * @param timeout        a request's deadline, zero for none; a caller may ask for less, never more
 * @param fallback       what answers, in order, when the model times out, fails or fails its output checks
 * @param outputCheckFailures answers failing the output checks, within the window, that take a version out of service
 * @param outputCheckWindow   the latest checked answers of a version that count
 * @param drift               how served inputs are compared with the version's training baseline
 * @param goldenSetInterval   how often the golden set runs again on a serving version; null for the function's
 *                            {@code quiver.inference.golden-set.interval}
 * @param routing        aliases, weights and shadow; empty when the config has no routing block (the latest serving
 *                       version answers every request that names no version)
 * @param monitoring     its age and live-accuracy limits, as the configuration wrote them
 */
public record ModelConfig(
        VersionPolicy versionPolicy,
        int maxBatchSize,
        boolean batchingExplicit,
        Duration maxQueueDelay,
        Duration inlineMaxCompute,
        int instances,
        int intraOpThreads,
        int interOpThreads,
        boolean spinning,
        Map<String, String> inputNames,
        Map<String, String> outputNames,
        Duration timeout,
        List<FallbackSpec> fallback,
        int outputCheckFailures,
        int outputCheckWindow,
        DriftSettings drift,
        Duration goldenSetInterval,
        Optional<Routing> routing,
        MonitoringSpec monitoring) {

    public ModelConfig {
        inputNames = Map.copyOf(inputNames);
        outputNames = Map.copyOf(outputNames);
        fallback = List.copyOf(fallback);
    }

    /** This configuration with other routing: routing alone changing reloads no version. */
    public ModelConfig withRouting(Optional<Routing> other) {
        return new ModelConfig(versionPolicy, maxBatchSize, batchingExplicit, maxQueueDelay, inlineMaxCompute, instances,
                intraOpThreads, interOpThreads, spinning, inputNames, outputNames, timeout, fallback,
                outputCheckFailures, outputCheckWindow, drift, goldenSetInterval, other, monitoring);
    }
}
