package dev.quiver.inference.monitoring;

import dev.quiver.inference.rollout.Tally;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * What is watched of one served version: its latest predictions, its latest labels, its age, the alerts raised about
 * it while their finding holds, and its gauges (removed with it). Requests only touch {@link #record(Answer)}; the
 * rest is the periodic check's and the labels'.
 */
final class VersionMonitor {

    /** Classes given a gauge of their own at most, so that a model with very many classes cannot flood metrics. */
    static final int MAX_CLASS_GAUGES = 100;

    private final String model;
    private final long version;
    private final PredictionWindow predictions;
    private final LabelWindow labels;
    private final LongAdder classified = new LongAdder();
    private final LongAdder classifiedRight = new LongAdder();
    private final MeterRegistry registry;
    private final Clock clock;
    private final List<Meter> meters = new ArrayList<>();
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    /** Only the periodic check adds class gauges. */
    private int classGauges;
    private volatile WindowSummary summary = WindowSummary.EMPTY;
    private volatile Instant trainedAt;
    private volatile Instant servingSince;
    private volatile PredictionKind labelledKind;
    /** Set while an alert's finding holds, so it is raised once; the stale one holds the file digest it is about. */
    volatile boolean constantRaised;
    volatile boolean accuracyRaised;
    volatile String staleRaisedFor;
    volatile boolean shiftRaised;
    /** The classes of the window the next one is compared with, and the predictions counted when it was taken. */
    private Map<Integer, Long> comparedClasses;
    private long comparedTotal;
    private volatile Double shift;

    VersionMonitor(String model, long version, int window, int labelWindow, MeterRegistry registry, Clock clock) {
        this.model = model;
        this.version = version;
        this.predictions = new PredictionWindow(window);
        this.labels = new LabelWindow(labelWindow);
        this.registry = registry;
        this.clock = clock;
        gauge("quiver.model.prediction.window.items", "Predicted items in the version's monitoring window",
                List.of(), m -> m.summary.items());
        gauge("quiver.model.age.seconds", "Seconds since the version started serving", List.of("since", "serving"),
                m -> m.servingSince == null ? Double.NaN : m.secondsSince(m.servingSince));
    }

    String model() {
        return model;
    }

    long version() {
        return version;
    }

    /** The serving path: one atomic add and a few writes, no lock. */
    void record(Answer answer) {
        predictions.record(answer);
    }

    void label(PredictionKind kind, double score) {
        labelledKind = kind;
        labels.record(score);
        if (kind == PredictionKind.CLASSIFIER) {
            classified.increment();
            if (score > 0) {
                classifiedRight.increment();
            }
        }
    }

    /** Every classifier label this replica joined to an answer of the version: how many were right, of how many. */
    Tally classifierLabels() {
        return new Tally(classifiedRight.sum(), classified.sum());
    }

    LabelWindow.Accuracy accuracy() {
        return labels.accuracy();
    }

    PredictionKind labelledKind() {
        return labelledKind;
    }

    /** The statistics of the window as it is now, computed afresh (for the monitoring endpoint). */
    WindowSummary current() {
        return WindowSummary.of(predictions.snapshot());
    }

    Instant trainedAt() {
        return trainedAt;
    }

    Instant servingSince() {
        return servingSince;
    }

    /** Brings the statistics up to date and adds the gauges of classes or quantiles first seen. */
    WindowSummary summarize() {
        WindowSummary next = WindowSummary.of(predictions.snapshot());
        summary = next;
        if (next.kind() == PredictionKind.CLASSIFIER) {
            for (Integer predicted : next.classes().keySet()) {
                if (classGauges < MAX_CLASS_GAUGES && gauged.add("class " + predicted)) {
                    classGauges++;
                    gauge("quiver.model.prediction.class.items", "Items of the monitoring window predicted as "
                            + "each class", List.of("class", predicted.toString()),
                            m -> m.summary.classes().getOrDefault(predicted, 0L));
                }
            }
        } else if (next.kind() == PredictionKind.REGRESSOR) {
            for (Double quantile : next.quantiles().keySet()) {
                gauge("quiver.model.prediction.quantile", "Quantiles of the values of the monitoring window",
                        List.of("quantile", quantile.toString()),
                        m -> m.summary.quantiles().getOrDefault(quantile, Double.NaN));
            }
        }
        return next;
    }

    /**
     * Compares a full window with the last one compared, once none of its items were in that one.
     *
     * @return the population stability index between the two; null when there is nothing new to compare
     */
    Double shift(WindowSummary summary) {
        if (summary.kind() != PredictionKind.CLASSIFIER || !summary.full()) {
            return null;
        }
        if (comparedClasses == null || summary.total() - comparedTotal < summary.items()) {
            if (comparedClasses == null) {
                comparedClasses = summary.classes();
                comparedTotal = summary.total();
            }
            return null;
        }
        double index = PredictionShift.psi(comparedClasses, summary.classes());
        comparedClasses = summary.classes();
        comparedTotal = summary.total();
        shift = index;
        gauge("quiver.model.prediction.shift", "Population stability index of the predicted classes between the "
                + "version's last two windows", List.of(), m -> m.shift == null ? Double.NaN : m.shift);
        return index;
    }

    /** The latest shift between two windows; null before two were compared. */
    Double lastShift() {
        return shift;
    }

    void ages(Instant trainedAt, Instant servingSince) {
        this.servingSince = servingSince;
        this.trainedAt = trainedAt;
        if (trainedAt != null) {
            gauge("quiver.model.age.seconds", "Seconds since the version was trained", List.of("since", "trained"),
                    m -> m.trainedAt == null ? Double.NaN : m.secondsSince(m.trainedAt));
        }
    }

    void accuracyGauges(PredictionKind kind) {
        if (kind == PredictionKind.CLASSIFIER) {
            gauge("quiver.model.live.accuracy", "Share of right answers among the version's latest labelled items",
                    List.of(), m -> m.labels.accuracy().mean() == null ? Double.NaN : m.labels.accuracy().mean());
        } else {
            gauge("quiver.model.live.mae", "Mean absolute error of the version's latest labelled items", List.of(),
                    m -> m.labels.accuracy().mean() == null ? Double.NaN : m.labels.accuracy().mean());
        }
    }

    Duration age(Instant since) {
        return Duration.between(since, clock.instant());
    }

    private double secondsSince(Instant since) {
        return Math.max(0, age(since).toMillis() / 1000.0);
    }

    /** Registers a gauge once; {@code extraTags} are pairs of key and value. */
    private void gauge(String name, String description, List<String> extraTags, ToDoubleFunction<VersionMonitor> value) {
        if (!gauged.add(name + extraTags)) {
            return;
        }
        List<String> tags = new ArrayList<>(List.of("model", model, "version", Long.toString(version)));
        tags.addAll(extraTags);
        synchronized (meters) {
            meters.add(Gauge.builder(name, this, value).description(description).tags(tags.toArray(String[]::new))
                    .register(registry));
        }
    }

    /** Removes the version's gauges: it is no longer served. */
    void close() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
