package dev.quiver.inference.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.RateLimitConfig;
import dev.quiver.events.model.ModelAlert;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.alerts.ModelAlerts;
import dev.quiver.inference.modelconfig.MonitoringSpec;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.ModelRepositoryWatcher;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.tensor.Tensor;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Watches the versions being served: records what each answers (its latest predicted classes or values), keeps each
 * answer for its label, and every {@code check-interval}, off the serving path, brings statistics and ages up to date
 * and raises {@code stale}, {@code constant-output} and {@code accuracy} alerts, each once while its finding holds.
 * Off with {@code quiver.inference.monitoring.enabled=false}: then serving does none of this.
 */
@ApplicationScoped
public class ModelMonitoring {

    private static final Logger LOG = Logger.getLogger(ModelMonitoring.class);

    private final boolean enabled;
    private final MonitoringConfig config;
    private final ModelRegistry registry;
    private final ModelAlerts alerts;
    private final MeterRegistry meters;
    private final Clock clock;
    private final TrainingTimes trainingTimes;
    private final AnswerStore answers;
    private final Map<VersionKey, VersionMonitor> monitors = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;

    public ModelMonitoring(InferenceConfig settings, RateLimitConfig redis, ModelRegistry registry,
                           ModelRepositoryWatcher repository, ModelAlerts alerts, MeterRegistry meters, Clock clock,
                           ObjectMapper mapper) {
        this.config = settings.inference().monitoring();
        this.enabled = config.enabled();
        if (enabled) {
            requireAtLeastOne("window", config.window());
            requireAtLeastOne("label-window", config.labelWindow());
            requireAtLeastOne("max-answers", config.maxAnswers());
            if (!config.checkInterval().isPositive() || !config.answerTtl().isPositive()) {
                throw new IllegalArgumentException("quiver.inference.monitoring.check-interval and .answer-ttl: must "
                        + "be longer than 0, got " + config.checkInterval() + " and " + config.answerTtl());
            }
        }
        this.registry = registry;
        this.alerts = alerts;
        this.meters = meters;
        this.clock = clock;
        this.trainingTimes = new TrainingTimes(repository.localRoot(), mapper);
        this.answers = !enabled ? null : redis.redis().filter(uri -> !uri.isBlank())
                .<AnswerStore>map(uri -> new RedisAnswerStore(uri, config.answerTtl(), redis.redisTimeout(),
                        redis.redisConnectTimeout(), redis.redisRetryAfter()))
                .orElseGet(() -> new LocalAnswerStore(config.maxAnswers(), config.answerTtl()));
    }

    private static void requireAtLeastOne(String key, long value) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("quiver.inference.monitoring." + key + ": must be between 1 and "
                    + Integer.MAX_VALUE + ", got " + value);
        }
    }

    void start(@Observes StartupEvent startup) {
        if (!enabled) {
            LOG.info("monitoring is off (quiver.inference.monitoring.enabled=false)");
            return;
        }
        LOG.infof("monitoring: windows of %d predictions, checked every %s; answers kept %s for %s for their labels",
                config.window(), config.checkInterval(), answers.where(), config.answerTtl());
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("quiver-monitoring").daemon().factory());
        long every = config.checkInterval().toMillis();
        executor.scheduleWithFixedDelay(this::checkSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (executor != null) {
            executor.shutdownNow();
        }
        if (answers != null) {
            answers.close();
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The serving path, once per request the model itself answered: reads the first output's items, adds them to
     * the version's window and, for a model that takes labels, keeps them for a label under the request's id.
     *
     * @param outputs the outputs the request asked for; nothing is recorded when the model's first is not among them
     */
    public void served(String inferenceId, LoadedModel loaded, List<Tensor> outputs) {
        if (!enabled || outputs.isEmpty()) {
            return;
        }
        String first = loaded.signature().outputs().getFirst().name();
        Tensor output = outputs.getFirst();
        if (!output.name().equals(first)) {
            return;
        }
        Optional<Answer> read = Answer.of(loaded.version(), output);
        if (read.isEmpty()) {
            return;
        }
        Answer answer = read.get();
        monitor(loaded.name(), loaded.version()).record(answer);
        if (inferenceId != null && answer.values().length <= Answer.MAX_ITEMS
                && loaded.config().monitoring().keepsAnswers()) {
            answers.remember(loaded.name(), inferenceId, answer);
        }
    }

    /** The monitoring report of a served version; 404 for an unknown model or version. */
    public MonitoringReport report(String model, String version) {
        if (!enabled) {
            throw InferenceException.notFound("monitoring is off (quiver.inference.monitoring.enabled=false)");
        }
        ModelEntry entry = registry.model(model);
        VersionEntry versionEntry = registry.version(entry, version);
        VersionMonitor monitor = monitor(model, versionEntry.version());
        MonitoringSpec limits = versionEntry.ready() ? versionEntry.model().config().monitoring() : MonitoringSpec.NONE;
        if (versionEntry.ready()) {
            monitor.ages(trainingTimes.trainedAt(model, versionEntry.version()).orElse(null), versionEntry.since());
        }
        WindowSummary summary = monitor.current();
        Instant trainedAt = monitor.trainedAt();
        Instant servingSince = monitor.servingSince();
        Duration age = judgedAge(monitor);
        MonitoringReport.Age ageReport = new MonitoringReport.Age(
                trainedAt == null ? null : trainedAt.toString(),
                trainedAt == null ? null : seconds(monitor.age(trainedAt)),
                servingSince == null ? null : servingSince.toString(),
                servingSince == null ? null : seconds(monitor.age(servingSince)),
                limits.maxAge() == null ? null : limits.maxAge().toString(),
                limits.maxAge() != null && age != null && age.compareTo(limits.maxAge()) > 0);
        Map<String, Long> classes = new LinkedHashMap<>();
        summary.classes().forEach((predicted, items) -> classes.put(predicted.toString(), items));
        Map<String, Double> quantiles = new LinkedHashMap<>();
        summary.quantiles().forEach((quantile, value) -> quantiles.put(quantile.toString(), value));
        MonitoringReport.Predictions predictions = new MonitoringReport.Predictions(
                summary.kind() == null ? null : summary.kind().label(), config.window(), summary.items(),
                summary.total(), summary.kind() == PredictionKind.CLASSIFIER ? classes : null,
                summary.kind() == PredictionKind.REGRESSOR ? quantiles : null, summary.mean(),
                summary.standardDeviation(), summary.constant(), monitor.lastShift(), limits.maxPredictionShift());
        LabelWindow.Accuracy accuracy = monitor.accuracy();
        boolean regressor = monitor.labelledKind() == PredictionKind.REGRESSOR;
        MonitoringReport.Labels labels = new MonitoringReport.Labels(config.labelWindow(), accuracy.labels(),
                regressor ? null : accuracy.mean(), regressor ? accuracy.mean() : null, limits.minAccuracy(),
                limits.maxMae(), limits.labelsNeeded());
        return new MonitoringReport(model, Long.toString(versionEntry.version()), ageReport, predictions, labels,
                answers.where());
    }

    AnswerStore answers() {
        return answers;
    }

    /** The monitor of a version still served, for a label's answer; empty for a version gone since. */
    Optional<VersionMonitor> servedMonitor(String model, long version) {
        return Optional.ofNullable(monitors.get(new VersionKey(model, version)));
    }

    private VersionMonitor monitor(String model, long version) {
        VersionKey key = new VersionKey(model, version);
        VersionMonitor monitor = monitors.get(key);
        return monitor != null ? monitor : monitors.computeIfAbsent(key, k -> new VersionMonitor(model, version,
                config.window(), config.labelWindow(), meters, clock));
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.error("monitoring check failed; trying again at the next", e);
        }
    }

    /** Brings every served version's statistics and ages up to date and raises the alerts whose finding began. */
    void check() {
        Set<VersionKey> served = new HashSet<>();
        Set<String> files = new HashSet<>();
        for (ModelEntry model : registry.models().values()) {
            for (VersionEntry entry : model.versions().values()) {
                if (!entry.serving()) {
                    continue;
                }
                VersionKey key = new VersionKey(model.name(), entry.version());
                served.add(key);
                files.add(model.name() + "/" + entry.version());
                check(monitor(model.name(), entry.version()), entry);
            }
        }
        monitors.entrySet().removeIf(monitor -> {
            if (served.contains(monitor.getKey())) {
                return false;
            }
            monitor.getValue().close();
            return true;
        });
        trainingTimes.retain(files);
    }

    private void check(VersionMonitor monitor, VersionEntry entry) {
        LoadedModel loaded = entry.model();
        MonitoringSpec limits = loaded.config().monitoring();
        monitor.ages(trainingTimes.trainedAt(monitor.model(), monitor.version()).orElse(null), entry.since());
        Duration age = judgedAge(monitor);
        if (limits.maxAge() != null && age != null && age.compareTo(limits.maxAge()) > 0
                && !loaded.digest().equals(monitor.staleRaisedFor)) {
            monitor.staleRaisedFor = loaded.digest();
            boolean trained = monitor.trainedAt() != null;
            raise(monitor, "stale", "version " + monitor.version() + (trained ? " was trained " : " has served for ")
                    + age.toDays() + " days (" + age.toSeconds() + " s" + (trained ? ", trained_at "
                    + monitor.trainedAt() : ", no trained_at in " + TrainingTimes.BASELINE_FILE) + "), more than "
                    + "its max_age of " + limits.maxAge(), (double) age.toSeconds(),
                    (double) limits.maxAge().toSeconds());
        }
        WindowSummary summary = monitor.summarize();
        if (summary.constant() && !monitor.constantRaised) {
            monitor.constantRaised = true;
            raise(monitor, "constant-output", summary.constantReason(), null, null);
        } else if (summary.full() && !summary.constant()) {
            monitor.constantRaised = false;
        }
        checkShift(monitor, summary, limits);
        checkAccuracy(monitor, limits);
    }

    private void checkShift(VersionMonitor monitor, WindowSummary summary, MonitoringSpec limits) {
        Double shift = monitor.shift(summary);
        Double limit = limits.maxPredictionShift();
        if (shift == null || limit == null) {
            return;
        }
        if (shift > limit && !monitor.shiftRaised) {
            monitor.shiftRaised = true;
            raise(monitor, "prediction-shift", "the predicted classes of the latest " + summary.items()
                    + " items moved from those of the " + summary.items() + " before by a population stability index "
                    + "of " + shift + ", more than the max_prediction_shift of " + limit + "; now " + summary.classes(),
                    shift, limit);
        } else if (shift <= limit) {
            monitor.shiftRaised = false;
        }
    }

    private void checkAccuracy(VersionMonitor monitor, MonitoringSpec limits) {
        LabelWindow.Accuracy accuracy = monitor.accuracy();
        PredictionKind kind = monitor.labelledKind();
        if (kind == null || accuracy.labels() < limits.labelsNeeded()) {
            return;
        }
        boolean classifier = kind == PredictionKind.CLASSIFIER;
        Double limit = classifier ? limits.minAccuracy() : limits.maxMae();
        if (limit == null) {
            return;
        }
        boolean bad = classifier ? accuracy.mean() < limit : accuracy.mean() > limit;
        if (bad && !monitor.accuracyRaised) {
            monitor.accuracyRaised = true;
            raise(monitor, "accuracy", classifier
                    ? "live accuracy " + accuracy.mean() + " over the latest " + accuracy.labels()
                            + " labelled items is below the min_accuracy of " + limit
                    : "mean absolute error " + accuracy.mean() + " over the latest " + accuracy.labels()
                            + " labelled items is above the max_mae of " + limit, accuracy.mean(), limit);
        } else if (!bad) {
            monitor.accuracyRaised = false;
        }
    }

    /** The age max_age is judged on: since training when known, else since the version started serving. */
    private static Duration judgedAge(VersionMonitor monitor) {
        Instant since = monitor.trainedAt() != null ? monitor.trainedAt() : monitor.servingSince();
        return since == null ? null : monitor.age(since);
    }

    private void raise(VersionMonitor monitor, String kind, String reason, Double measured, Double threshold) {
        alerts.raise(new ModelAlert(monitor.model(), Long.toString(monitor.version()), kind, reason, null, measured,
                threshold));
    }

    private static double seconds(Duration duration) {
        return Math.max(0, duration.toMillis() / 1000.0);
    }

    private record VersionKey(String model, long version) {
    }
}
