package dev.quiver.inference.drift;

import dev.quiver.baseline.BaselineFiles;
import dev.quiver.baseline.TrainingBaseline;
import dev.quiver.events.model.ModelAlert;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.alerts.ModelAlerts;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.tensor.Tensor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Compares what each serving version is asked with what it was trained on ({@code baseline.json} beside its
 * {@code model.onnx}). On the serving thread a request is sampled at its model's {@code drift.sample_rate}: a random
 * draw, and for a sampled request the feature values of its first items copied (never more than
 * {@code quiver.inference.drift.max-items-per-request}) and handed to a bounded queue, dropped and counted when it
 * is full. One drift thread counts them into each input's window and, once a window holds {@code drift.window}
 * items, computes PSI and a Kolmogorov-Smirnov test per feature ({@link InputWindow}), publishes them as metrics and
 * on {@code GET /v2/models/{name}/versions/{version}/drift}, and raises a {@code feature-drift} alert for an input
 * that crosses a threshold: once, until a window of that input holds again.
 */
@ApplicationScoped
public class DriftMonitor {

    private static final Logger LOG = Logger.getLogger(DriftMonitor.class);
    /** How often the drift thread looks for versions that were unloaded. */
    private static final Duration SWEEP = Duration.ofSeconds(5);
    /**
     * How long the drift thread rests when it finds no sample. It takes what has queued up meanwhile at once, and is
     * never woken by a serving thread: a wake-up per sampled request would cost more than the sample.
     */
    private static final Duration PAUSE = Duration.ofMillis(20);

    private final boolean enabled;
    private final int maxItems;
    private final ModelRegistry registry;
    private final ModelAlerts alerts;
    private final MeterRegistry meters;
    private final Clock clock;
    private final BlockingQueue<Object> queue;
    private final Map<LoadedModel, VersionDrift> versions = new ConcurrentHashMap<>();
    private final Set<LoadedModel> discovering = ConcurrentHashMap.newKeySet();
    private final Map<LoadedModel, List<Meter>> versionMeters = new ConcurrentHashMap<>();
    private final Thread worker;

    public DriftMonitor(InferenceConfig config, ModelRegistry registry, ModelAlerts alerts, MeterRegistry meters,
                        Clock clock) {
        InferenceConfig.Drift drift = config.inference().drift();
        this.enabled = drift.enabled();
        this.maxItems = Math.max(1, drift.maxItemsPerRequest());
        this.registry = registry;
        this.alerts = alerts;
        this.meters = meters;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, drift.queue()));
        this.worker = enabled ? Thread.ofPlatform().daemon().name("quiver-drift").start(this::work) : null;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Called for every answer its model gave; costs a map lookup and a random draw unless the request is sampled. */
    public void served(LoadedModel model, List<Tensor> inputs) {
        if (!enabled) {
            return;
        }
        VersionDrift drift = versions.get(model);
        if (drift == null) {
            // the baseline is read on the drift thread, never on a serving one
            if (discovering.add(model) && !queue.offer(new Discover(model))) {
                discovering.remove(model);
            }
            return;
        }
        if (!drift.monitored() || ThreadLocalRandom.current().nextDouble() >= drift.settings.sampleRate()) {
            return;
        }
        Map<String, float[][]> features = drift.features(inputs, maxItems);
        if (features.isEmpty()) {
            return;
        }
        if (queue.offer(new Sample(drift, features))) {
            drift.sampled.increment();
        } else {
            drift.dropped.increment();
        }
    }

    /** What the drift of a loaded version is, for its endpoint. */
    public DriftReport report(LoadedModel model) {
        VersionDrift drift = versions.get(model);
        if (drift == null) {
            return new DriftReport(model.name(), Long.toString(model.version()), enabled, null,
                    enabled ? "no request served yet" : "quiver.inference.drift.enabled is false",
                    model.config().drift(), Map.of(), Map.of(), Map.of(), Map.of(), Set.of(), 0, 0);
        }
        return DriftReport.of(drift, enabled);
    }

    private void work() {
        List<Object> taken = new ArrayList<>();
        long lastSweep = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (queue.drainTo(taken) == 0) {
                    Thread.sleep(PAUSE);
                }
            } catch (InterruptedException e) {
                return;
            }
            for (Object next : taken) {
                try {
                    if (next instanceof Discover discover) {
                        discover(discover.model());
                    } else if (next instanceof Sample sample) {
                        count(sample);
                    }
                } catch (RuntimeException e) {
                    LOG.warnf(e, "drift: a sample could not be counted");
                }
            }
            taken.clear();
            if (System.nanoTime() - lastSweep > SWEEP.toNanos()) {
                try {
                    sweep();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "drift: unloaded versions could not be swept; trying again in %s", SWEEP);
                }
                lastSweep = System.nanoTime();
            }
        }
    }

    private void discover(LoadedModel model) {
        Path file = model.modelFile().resolveSibling(TrainingBaseline.FILE);
        TrainingBaseline baseline = null;
        String note = null;
        if (!Files.isRegularFile(file)) {
            note = "no " + TrainingBaseline.FILE + " beside " + model.modelFile().getFileName();
        } else {
            try {
                baseline = BaselineFiles.read(file);
                Set<String> unknown = new HashSet<>(baseline.inputs().keySet());
                unknown.removeAll(model.signature().inputNames());
                if (!unknown.isEmpty()) {
                    note = TrainingBaseline.FILE + ": inputs " + unknown + " are not inputs of the model, whose "
                            + "inputs are " + model.signature().inputNames();
                    baseline = null;
                }
            } catch (IOException e) {
                note = TrainingBaseline.FILE + " unreadable: " + e.getMessage();
            }
        }
        if (note != null) {
            LOG.infof("model %s version %d: inputs not compared with a training baseline: %s", model.name(),
                    model.version(), note);
        }
        VersionDrift drift = new VersionDrift(model, baseline, note, stamp(file));
        versions.put(model, drift);
        discovering.remove(model);
        if (drift.monitored()) {
            register(drift);
        }
    }

    private void count(Sample sample) {
        VersionDrift drift = sample.drift();
        for (InputDrift finding : drift.count(sample.features(), clock.instant())) {
            judge(drift, finding);
        }
    }

    /** Raises the alert when an input starts to drift; clears it when a window holds again. */
    private void judge(VersionDrift drift, InputDrift finding) {
        LoadedModel model = drift.model;
        LOG.infof("model %s version %d: input %s, window of %d served items: PSI %.4f (mean %.4f), KS p %.4g%s",
                model.name(), model.version(), finding.input(), finding.items(), finding.psiMax(), finding.psiMean(),
                finding.ksP(), finding.drifted() ? ", drifted" : "");
        if (!finding.drifted()) {
            if (drift.alerting.remove(finding.input())) {
                LOG.infof("model %s version %d: input %s no longer drifts (PSI %.4f, KS p %.4g)", model.name(),
                        model.version(), finding.input(), finding.psiMax(), finding.ksP());
            }
            return;
        }
        if (!drift.alerting.add(finding.input())) {
            return;
        }
        boolean byPsi = finding.psiMax() > drift.settings.psi();
        String worst = finding.worstFeatures().stream()
                .map(f -> String.format(Locale.ROOT, "%s (PSI %.3f)", f.feature(), f.psi()))
                .collect(Collectors.joining(", "));
        String reason = String.format(Locale.ROOT, "input %s drifted from its training baseline over %d served "
                        + "items: PSI %.4f (largest of %d features; threshold %s), KS p %.4g (threshold %s); worst "
                        + "features %s", finding.input(), finding.items(), finding.psiMax(),
                drift.baseline.inputs().get(finding.input()).features().size(), drift.settings.psi(), finding.ksP(),
                drift.settings.ksP(), worst);
        alerts.raise(new ModelAlert(model.name(), Long.toString(model.version()), "feature-drift", reason,
                finding.input(), byPsi ? finding.psiMax() : finding.ksP(),
                byPsi ? drift.settings.psi() : drift.settings.ksP()));
    }

    private void register(VersionDrift drift) {
        LoadedModel model = drift.model;
        List<Meter> registered = new ArrayList<>();
        for (String input : drift.inputs()) {
            Tags tags = Tags.of("model", model.name(), "version", Long.toString(model.version()), "input", input);
            registered.add(Gauge.builder("quiver.model.feature.psi", drift,
                            d -> Optional.ofNullable(d.latest.get(input)).map(InputDrift::psiMax).orElse(Double.NaN))
                    .description("Largest population stability index of the input's features, latest window")
                    .tags(tags).register(meters));
            registered.add(Gauge.builder("quiver.model.feature.ks.p", drift,
                            d -> Optional.ofNullable(d.latest.get(input)).map(InputDrift::ksP).orElse(Double.NaN))
                    .description("Smallest Kolmogorov-Smirnov p-value of the input's features, times their number, "
                            + "latest window")
                    .tags(tags).register(meters));
            registered.add(Gauge.builder("quiver.model.feature.drifted", drift,
                            d -> d.alerting.contains(input) ? 1 : 0)
                    .description("1 while the input drifts from its training baseline")
                    .tags(tags).register(meters));
        }
        Tags version = Tags.of("model", model.name(), "version", Long.toString(model.version()));
        registered.add(FunctionCounter.builder("quiver.model.drift.samples", drift, d -> d.sampled.sum())
                .description("Requests whose inputs were sampled for drift: counted, or dropped because the drift "
                        + "queue was full")
                .tags(version).tag("outcome", "counted").register(meters));
        registered.add(FunctionCounter.builder("quiver.model.drift.samples", drift, d -> d.dropped.sum())
                .description("Requests whose inputs were sampled for drift: counted, or dropped because the drift "
                        + "queue was full")
                .tags(version).tag("outcome", "dropped").register(meters));
        versionMeters.put(model, registered);
    }

    /**
     * Forgets versions no longer loaded, and their metrics; reads the baseline of a version that had none when one
     * has appeared since (a publisher writes the model first, then its baseline).
     */
    private void sweep() {
        Set<LoadedModel> loaded = new HashSet<>();
        for (ModelEntry model : registry.models().values()) {
            for (VersionEntry version : model.versions().values()) {
                if (version.model() != null) {
                    loaded.add(version.model());
                }
            }
        }
        for (Map.Entry<LoadedModel, VersionDrift> entry : List.copyOf(versions.entrySet())) {
            LoadedModel model = entry.getKey();
            if (!loaded.contains(model)) {
                versions.remove(model);
                List<Meter> gone = versionMeters.remove(model);
                if (gone != null) {
                    gone.forEach(meters::remove);
                }
            } else if (!entry.getValue().monitored() && !Objects.equals(entry.getValue().baselineStamp,
                    stamp(model.modelFile().resolveSibling(TrainingBaseline.FILE)))) {
                discover(model);
            }
        }
    }

    private static FileTime stamp(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (worker != null) {
            worker.interrupt();
        }
    }

    private record Discover(LoadedModel model) {
    }

    private record Sample(VersionDrift drift, Map<String, float[][]> features) {
    }
}
