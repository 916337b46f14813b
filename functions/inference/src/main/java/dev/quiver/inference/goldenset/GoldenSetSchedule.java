package dev.quiver.inference.goldenset;

import dev.quiver.events.model.ModelAlert;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.alerts.ModelAlerts;
import dev.quiver.inference.batching.BatchRunner;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.batching.InferenceJob;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.validation.InvalidValidationException;
import dev.quiver.inference.validation.ValidationFiles;
import dev.quiver.inference.validation.ValidationSpec;
import dev.quiver.inference.validation.ValidityGate;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Runs each serving version's golden set ({@code golden} of its {@code validation/validation.json}) again every
 * {@code quiver.inference.golden-set.interval}, or its model's {@code golden_set.interval}, through the version's own
 * batcher, as requests are. The file is read anew for every run, so expectations updated on disk count at once. A
 * version that passed at the gate and now fails (its answers changed: a runtime or hardware change, or its golden
 * set changed while a reload of it failed) raises a {@code golden-set} alert once, until a run passes again.
 */
@ApplicationScoped
public class GoldenSetSchedule {

    private static final Logger LOG = Logger.getLogger(GoldenSetSchedule.class);
    /** The schedule is looked at this often at most; shorter intervals are run at this pace. */
    private static final Duration TICK = Duration.ofSeconds(1);
    /** A golden input that takes longer than this to answer fails the run. */
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    private final boolean enabled;
    private final Duration interval;
    private final ModelRegistry registry;
    private final ModelAlerts alerts;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Map<LoadedModel, VersionGolden> versions = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;

    public GoldenSetSchedule(InferenceConfig config, ModelRegistry registry, ModelAlerts alerts, MeterRegistry meters,
                             Clock clock) {
        this.enabled = config.inference().goldenSet().enabled();
        this.interval = config.inference().goldenSet().interval();
        this.registry = registry;
        this.alerts = alerts;
        this.meters = meters;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        long tick = Math.max(1, Math.min(TICK.toMillis(), interval.toMillis()));
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("quiver-golden-set")
                .factory());
        executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** The golden-set state of a loaded version, for its endpoint. */
    public GoldenSetReport report(LoadedModel model) {
        VersionGolden state = versions.get(model);
        Duration every = interval(model);
        if (state == null) {
            return new GoldenSetReport(model.name(), Long.toString(model.version()), enabled, 0,
                    every.toMillis() / 1000.0, null, null, 0, 0, false);
        }
        return new GoldenSetReport(model.name(), Long.toString(model.version()), enabled, state.golden,
                every.toMillis() / 1000.0, enabled ? state.nextRun : null, state.last, state.runs.get(),
                state.failedRuns.get(), state.alerting);
    }

    private Duration interval(LoadedModel model) {
        return model.config().goldenSetInterval() != null ? model.config().goldenSetInterval() : interval;
    }

    private void tick() {
        try {
            Set<LoadedModel> serving = new HashSet<>();
            for (ModelEntry model : registry.models().values()) {
                for (VersionEntry version : model.versions().values()) {
                    if (version.serving()) {
                        serving.add(version.model());
                    }
                }
            }
            Instant now = clock.instant();
            for (LoadedModel model : serving) {
                VersionGolden state = versions.computeIfAbsent(model, loaded -> track(loaded, now));
                if (!now.isBefore(state.nextRun)) {
                    run(model, state);
                    state.nextRun = clock.instant().plus(interval(model));
                }
            }
            for (LoadedModel model : List.copyOf(versions.keySet())) {
                if (!serving.contains(model)) {
                    versions.remove(model).meters.forEach(meters::remove);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "golden sets: the scheduled run failed");
        }
    }

    /** A version just seen: it passed its gate at load, so its first scheduled run is one interval later. */
    private VersionGolden track(LoadedModel model, Instant now) {
        VersionGolden state = new VersionGolden(now.plus(interval(model)));
        Tags tags = Tags.of("model", model.name(), "version", Long.toString(model.version()));
        state.meters.add(Gauge.builder("quiver.model.golden.set.pass.rate", state,
                        s -> s.last == null ? Double.NaN : s.last.passRate())
                .description("Share of the golden inputs the version answered within tolerance, latest run")
                .tags(tags).register(meters));
        state.meters.add(Gauge.builder("quiver.model.golden.set.last.run", state,
                        s -> s.last == null ? Double.NaN : s.last.at().toEpochMilli() / 1000.0)
                .description("When the version's golden set last ran, seconds since the epoch")
                .tags(tags).register(meters));
        state.meters.add(FunctionCounter.builder("quiver.model.golden.set.runs", state, s -> s.runs.get()
                        - s.failedRuns.get())
                .description("Scheduled golden-set runs").tags(tags).tag("outcome", "passed").register(meters));
        state.meters.add(FunctionCounter.builder("quiver.model.golden.set.runs", state, s -> s.failedRuns.get())
                .description("Scheduled golden-set runs").tags(tags).tag("outcome", "failed").register(meters));
        return state;
    }

    private void run(LoadedModel model, VersionGolden state) {
        ValidationSpec spec;
        long started = System.nanoTime();
        GoldenSetRun run;
        try {
            spec = ValidationFiles.read(model.modelFile()).orElse(ValidationSpec.none());
        } catch (InvalidValidationException e) {
            // a file being rewritten, or a broken one, says nothing of the version's answers: reported, not alerted;
            // the repository's reload of the version reports the file itself
            state.last = GoldenSetRun.failed(clock.instant(), e.getMessage(), System.nanoTime() - started);
            return;
        }
        state.golden = spec.golden().size();
        if (spec.golden().isEmpty() || !model.tryAcquire()) {
            return;
        }
        try {
            run = GoldenSetRun.of(clock.instant(), new ValidityGate(model.signature(), spec, runner(model))
                    .goldenSet(), System.nanoTime() - started);
        } catch (Exception e) {
            run = GoldenSetRun.failed(clock.instant(), "golden set could not run: " + e.getMessage(),
                    System.nanoTime() - started);
        } finally {
            model.release();
        }
        record(model, state, run);
    }

    private void record(LoadedModel model, VersionGolden state, GoldenSetRun run) {
        state.last = run;
        state.runs.incrementAndGet();
        if (run.passed()) {
            if (state.alerting) {
                state.alerting = false;
                LOG.infof("model %s version %d: golden set passes again", model.name(), model.version());
            }
            return;
        }
        state.failedRuns.incrementAndGet();
        if (state.alerting) {
            return;
        }
        state.alerting = true;
        alerts.raise(new ModelAlert(model.name(), Long.toString(model.version()), "golden-set",
                "golden set failed on the serving version, which passed it at its gate: " + run.failures(), null,
                run.passRate(), 1.0));
    }

    /** Runs golden inputs through the version's batcher, as a request: its instances and queue are respected. */
    private static BatchRunner runner(LoadedModel model) {
        return (inputs, outputs) -> {
            int items = model.signature().supportsBatching()
                    ? Math.toIntExact(inputs.values().iterator().next().batchSize()) : 1;
            return model.batcher().expect().submit(new InferenceJob(inputs, items, outputs), true,
                    DynamicBatcher.NO_DEADLINE).get(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).outputs();
        };
    }

    /** The golden-set state of one loaded version; written by the schedule's thread alone. */
    private static final class VersionGolden {

        private final List<Meter> meters = new ArrayList<>();
        private final AtomicLong runs = new AtomicLong();
        private final AtomicLong failedRuns = new AtomicLong();
        private volatile Instant nextRun;
        private volatile GoldenSetRun last;
        private volatile boolean alerting;
        private volatile int golden;

        VersionGolden(Instant nextRun) {
            this.nextRun = nextRun;
        }
    }
}
