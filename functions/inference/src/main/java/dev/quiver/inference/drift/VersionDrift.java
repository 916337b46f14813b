package dev.quiver.inference.drift;

import dev.quiver.baseline.FeatureBaseline;
import dev.quiver.baseline.InputBaseline;
import dev.quiver.baseline.TrainingBaseline;
import dev.quiver.inference.modelconfig.DriftSettings;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.tensor.Tensor;
import dev.quiver.inference.validation.OutputChecks;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The drift of one loaded version: its baseline (or why it has none), the windows being counted, the latest finding
 * per input and which inputs are alerting. Sampling ({@link #features}) runs on serving threads and reads only final
 * fields; the windows are the drift thread's alone; findings are published through a concurrent map.
 */
final class VersionDrift {

    final LoadedModel model;
    final DriftSettings settings;
    /** Absent when the version has no usable baseline; {@link #note} says why. */
    final TrainingBaseline baseline;
    final String note;
    /** The baseline file's modification time when it was read, null when there was none. */
    final FileTime baselineStamp;
    final LongAdder sampled = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final Map<String, InputDrift> latest = new ConcurrentHashMap<>();
    final Map<String, Instant> evaluatedAt = new ConcurrentHashMap<>();
    final Map<String, Long> windowsCompared = new ConcurrentHashMap<>();
    final Set<String> alerting = ConcurrentHashMap.newKeySet();
    private final Map<String, InputWindow> windows = new LinkedHashMap<>();

    VersionDrift(LoadedModel model, TrainingBaseline baseline, String note, FileTime baselineStamp) {
        this.model = model;
        this.baselineStamp = baselineStamp;
        this.settings = model.config().drift();
        this.baseline = baseline;
        this.note = note;
        if (baseline != null) {
            baseline.inputs().forEach((input, stats) -> windows.put(input, new InputWindow(input, stats)));
        }
    }

    boolean monitored() {
        return baseline != null;
    }

    /**
     * The feature values of at most {@code maxItems} items of each input the baseline knows, read from the request's
     * tensors while they are still valid (on the serving thread): the means of a pooled input's groups, not its raw
     * elements, so that a sample stays small whatever the input's size.
     */
    Map<String, float[][]> features(List<Tensor> inputs, int maxItems) {
        Map<String, float[][]> sample = new LinkedHashMap<>();
        for (Tensor tensor : inputs) {
            InputBaseline stats = baseline.inputs().get(tensor.name());
            if (stats == null || tensor.elementCount() % stats.elements() != 0) {
                continue;
            }
            int items = (int) Math.min(maxItems, tensor.elementCount() / stats.elements());
            float[][] rows = new float[items][];
            for (int item = 0; item < items; item++) {
                long offset = item * stats.elements();
                float[] row = new float[stats.features().size()];
                for (int f = 0; f < row.length; f++) {
                    FeatureBaseline feature = stats.features().get(f);
                    double sum = 0;
                    for (long e = feature.from(); e < feature.to(); e++) {
                        sum += OutputChecks.element(tensor, (int) (offset + e));
                    }
                    row[f] = (float) (sum / (feature.to() - feature.from()));
                }
                rows[item] = row;
            }
            sample.put(tensor.name(), rows);
        }
        return sample;
    }

    /**
     * Counts a sample (drift thread); returns the findings of the windows it filled.
     */
    List<InputDrift> count(Map<String, float[][]> sample, Instant now) {
        List<InputDrift> closed = new ArrayList<>();
        sample.forEach((input, rows) -> {
            InputWindow window = windows.get(input);
            for (float[] row : rows) {
                window.add(row);
                if (window.items() >= settings.window()) {
                    InputDrift drift = window.close(settings);
                    latest.put(input, drift);
                    evaluatedAt.put(input, now);
                    windowsCompared.merge(input, 1L, Long::sum);
                    closed.add(drift);
                }
            }
        });
        return closed;
    }

    /** Items counted so far in each input's current window. */
    Map<String, Long> windowItems() {
        Map<String, Long> items = new LinkedHashMap<>();
        windows.forEach((input, window) -> items.put(input, window.items()));
        return items;
    }

    Set<String> inputs() {
        return baseline == null ? Set.of() : new TreeSet<>(baseline.inputs().keySet());
    }
}
