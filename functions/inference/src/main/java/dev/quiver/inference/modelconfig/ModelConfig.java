package dev.quiver.inference.modelconfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        MonitoringSpec monitoring) {

    public ModelConfig {
        inputNames = Map.copyOf(inputNames);
        outputNames = Map.copyOf(outputNames);
        fallback = List.copyOf(fallback);
    }
}
