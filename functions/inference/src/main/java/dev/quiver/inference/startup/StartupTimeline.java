package dev.quiver.inference.startup;

import dev.quiver.inference.runtime.LoadTimings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Times the way from the process's start to its first successful prediction, which is what a caller waits for when
 * Knative scales the function from zero. Once the first prediction is answered, each {@link StartupPhase} is exposed
 * as {@code quiver_startup_phase_seconds{phase}} and the whole as {@code quiver_startup_first_prediction_seconds},
 * both set once, and logged on one line.
 */
@ApplicationScoped
public class StartupTimeline {

    private static final Logger LOG = Logger.getLogger(StartupTimeline.class);

    private final MeterRegistry meters;
    private final Clock clock;
    private final Instant processStarted;
    private final Instant jvmStarted;
    private final AtomicBoolean predicted = new AtomicBoolean();
    private final List<Gauge> gauges = new CopyOnWriteArrayList<>();
    private volatile Instant quarkusStarted;
    private volatile InitialLoad initialLoad;
    private volatile Duration onnxRuntimeLoad = Duration.ZERO;

    public StartupTimeline(MeterRegistry meters, Clock clock) {
        this.meters = meters;
        this.clock = clock;
        this.processStarted = ProcessStart.process(clock);
        this.jvmStarted = ProcessStart.jvm();
    }

    void started(@Observes StartupEvent event) {
        quarkusStarted = clock.instant();
    }

    public void onnxRuntimeLoaded(Duration duration) {
        onnxRuntimeLoad = duration;
    }

    /** The first complete look at the model repository: every model in it loaded (or failed) and warmed up. */
    public void initialLoadDone(Duration fetch, LoadTimings loads) {
        if (initialLoad == null) {
            initialLoad = new InitialLoad(fetch, loads, clock.instant());
        }
    }

    /**
     * Called for every successful prediction; only the first one counts, and the later ones cost one read. The first
     * is timed here and published on another thread: registering the gauges and writing the log line would otherwise
     * delay the very answer being timed.
     */
    public void predictionServed() {
        if (predicted.get() || !predicted.compareAndSet(false, true)) {
            return;
        }
        Instant answered = clock.instant();
        CompletableFuture.runAsync(() -> firstPrediction(answered)).exceptionally(failure -> {
            LOG.warn("startup timeline: the first prediction's figures could not be published", failure);
            return null;
        });
    }

    private void firstPrediction(Instant answered) {
        Instant started = quarkusStarted == null ? answered : quarkusStarted;
        InitialLoad load = initialLoad == null ? new InitialLoad(Duration.ZERO, LoadTimings.NONE, started)
                : initialLoad;
        Instant ready = load.done().isAfter(started) ? load.done() : started;
        Map<StartupPhase, Duration> phases = new EnumMap<>(StartupPhase.class);
        phases.put(StartupPhase.JVM, between(processStarted, jvmStarted));
        phases.put(StartupPhase.QUARKUS, between(jvmStarted, started));
        phases.put(StartupPhase.ONNX_RUNTIME, onnxRuntimeLoad);
        phases.put(StartupPhase.MODEL_FETCH, load.fetch());
        phases.put(StartupPhase.SESSION, load.loads().session());
        phases.put(StartupPhase.WARM_UP, load.loads().warmUp());
        phases.put(StartupPhase.FIRST_RESPONSE, between(ready, answered));
        Duration total = between(processStarted, answered);
        publish(phases, total);
        LOG.infof("startup: first prediction %s s after the process started (%s)", seconds(total),
                phases.entrySet().stream().map(p -> p.getKey().label() + " " + seconds(p.getValue()) + " s")
                        .collect(Collectors.joining(", ")));
    }

    private void publish(Map<StartupPhase, Duration> phases, Duration total) {
        phases.forEach((phase, duration) -> {
            double value = duration.toNanos() / 1e9;
            gauges.add(Gauge.builder("quiver.startup.phase", () -> value)
                    .description("Time spent in one phase between the process's start and its first prediction")
                    .baseUnit("seconds")
                    .tag("phase", phase.label())
                    .register(meters));
        });
        double value = total.toNanos() / 1e9;
        gauges.add(Gauge.builder("quiver.startup.first.prediction", () -> value)
                .description("Time from the process's start to the end of its first successful prediction")
                .baseUnit("seconds")
                .register(meters));
    }

    /** A registry outlives the app on a restart in dev mode and tests; a gauge left there would read a dead app. */
    @PreDestroy
    void removeGauges() {
        gauges.forEach(meters::remove);
    }

    private static Duration between(Instant from, Instant to) {
        Duration duration = Duration.between(from, to);
        return duration.isNegative() ? Duration.ZERO : duration;
    }

    private static String seconds(Duration duration) {
        return String.format("%.3f", duration.toNanos() / 1e9);
    }

    private record InitialLoad(Duration fetch, LoadTimings loads, Instant done) {
    }
}
