package dev.quiver.inference.modelconfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A model's {@code config.json} or {@code config.yaml} as written: every field may be absent ({@code null}), in which
 * case {@link ModelConfigDefaults} fills it in.
 *
 * <pre>
 * version_policy: {latest: 2}          # or {specific: [1, 3]}, or all; default {latest: 1}
 * max_batch_size: 32                   # items per ONNX Runtime run; 0 turns batching off
 * max_queue_delay_ms: 2                # longest a request waits for others to join its batch
 * inline_max_compute_ms: 3             # an idle model whose runs take less runs on the thread that parsed the request
 * instances: 1                         # ONNX Runtime runs of this model at once
 * threads: {intra_op: 0, inter_op: 0, spinning: false}   # 0 lets ONNX Runtime decide
 * inputs: {x: image}                   # ONNX input name -> name callers use
 * outputs: {"softmax_0.tmp_0": probabilities}
 * timeout_ms: 200                      # a request's deadline; callers may ask for less
 * fallback: [previous_version, {model: digits_small}, {default_outputs: defaults.json},
 *            {answers: answers.json, key: customer}]
 * output_checks: {failures: 10, window: 50}   # answers failing the checks that take a version out of service
 * drift: {psi: 0.25, ks_p: 0.01, window: 1000, sample_rate: 0.1}   # served inputs against baseline.json
 * golden_set: {interval: 10m}          # how often the serving versions' golden sets run again
 * routing: {aliases: {stable: 3}, weights: {stable: 95, 4: 5}, sticky_key: caller, shadow: {version: 4, share: 0.1}}
 * monitoring: {max_age: 30d, min_accuracy: 0.9, min_labels: 50}   # age and live accuracy alerts
 * </pre>
 */
public record ModelConfigSpec(
        VersionPolicy versionPolicy,
        Integer maxBatchSize,
        Double maxQueueDelayMs,
        Double inlineMaxComputeMs,
        Integer instances,
        Integer intraOpThreads,
        Integer interOpThreads,
        Boolean spinning,
        Map<String, String> inputNames,
        Map<String, String> outputNames,
        Double timeoutMs,
        List<FallbackSpec> fallback,
        Integer outputCheckFailures,
        Integer outputCheckWindow,
        DriftSpec drift,
        Duration goldenSetInterval,
        RoutingSpec routing,
        MonitoringSpec monitoring) {

    public ModelConfigSpec {
        fallback = fallback == null ? List.of() : List.copyOf(fallback);
        monitoring = monitoring == null ? MonitoringSpec.NONE : monitoring;
    }

    public static ModelConfigSpec empty() {
        return new ModelConfigSpec(null, null, null, null, null, null, null, null, Map.of(), Map.of(), null, List.of(),
                null, null, null, null, null, MonitoringSpec.NONE);
    }
}
