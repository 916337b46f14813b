package dev.quiver.inference.repository;

import dev.quiver.configfile.FieldError;
import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.batching.BatchObserver;
import dev.quiver.inference.modelconfig.BatchingDefaults;
import dev.quiver.inference.modelconfig.FailsafeDefaults;
import dev.quiver.inference.modelconfig.FallbackSpec;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.modelconfig.ModelConfigDefaults;
import dev.quiver.inference.modelconfig.ModelConfigParser;
import dev.quiver.inference.modelconfig.ModelConfigSpec;
import dev.quiver.inference.modelconfig.ModelConfigValidator;
import dev.quiver.inference.modelconfig.Routing;
import dev.quiver.inference.modelconfig.VersionState;
import dev.quiver.inference.repository.RepositoryScan.ModelFolder;
import dev.quiver.inference.repository.RepositoryScan.StampedFile;
import dev.quiver.inference.runtime.LoadTimings;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.runtime.ModelLoadException;
import dev.quiver.inference.runtime.ModelLoader;
import dev.quiver.inference.routing.RoutingTable;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.storage.ModelRepositoryLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Brings the served models in line with the repository: loads new and changed versions, applies configuration
 * changes, unloads removed versions. Runs on one thread only.
 *
 * <p>Rules:
 * <ul>
 *   <li>A file is loaded once it has kept the same stamp for one poll (it is not being written), except on the
 *   first look at start-up.</li>
 *   <li>A new or changed version goes live only after it loaded and warmed up; the version it replaces serves until
 *   then and finishes its requests afterwards.</li>
 *   <li>A version the policy no longer selects, or whose files were removed, is unloaded once a selected version is
 *   ready; until then, or if the selected version fails to load, it stays in service (reported on the metadata
 *   endpoint). When the policy selects nothing (every version removed), the model's versions are unloaded.</li>
 *   <li>A failed version is retried when its file or the model's configuration changes.</li>
 * </ul>
 */
final class ModelRepositoryReconciler {

    private static final Logger LOG = Logger.getLogger(ModelRepositoryReconciler.class);
    /** Why the function is not ready while its first pass over the repository loads what it found. */
    static final String FIRST_READ = "the model repository is being read for the first time";

    private final ModelLoader loader;
    private final ModelConfigParser parser;
    private final BatchingDefaults batchingDefaults;
    private final FailsafeDefaults failsafeDefaults;
    private final BiFunction<String, Long, BatchObserver> observers;
    private final ModelRegistry registry;
    private final Clock clock;
    private final Map<String, ModelState> state = new HashMap<>();
    private final Set<String> reportedIgnored = new HashSet<>();
    private final List<LoadedModel> toRetire = new ArrayList<>();
    private Map<Path, FileStamp> previousStamps = Map.of();
    private boolean firstPass = true;
    private LoadTimings passTimings = LoadTimings.NONE;

    ModelRepositoryReconciler(ModelLoader loader, ModelConfigParser parser, InferenceConfig settings,
                              BiFunction<String, Long, BatchObserver> observers, ModelRegistry registry, Clock clock) {
        this.loader = loader;
        this.parser = parser;
        InferenceConfig.Batching batching = settings.inference().batching();
        this.batchingDefaults = new BatchingDefaults(batching.maxBatchSize(), batching.maxQueueDelay(),
                batching.inlineMaxCompute());
        InferenceConfig.OutputChecks checks = settings.inference().outputChecks();
        this.failsafeDefaults = new FailsafeDefaults(settings.inference().timeout(), checks.failures(),
                checks.window());
        this.observers = observers;
        this.registry = registry;
        this.clock = clock;
    }

    /** @return what loading the versions loaded in this pass took, together */
    LoadTimings reconcile(RepositoryScan scan) {
        passTimings = LoadTimings.NONE;
        for (String ignored : scan.ignored()) {
            if (reportedIgnored.add(ignored)) {
                LOG.warnf("model repository: ignoring %s", ignored);
            }
        }
        for (Iterator<Map.Entry<String, ModelState>> it = state.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ModelState> entry = it.next();
            if (!scan.models().containsKey(entry.getKey())) {
                entry.getValue().versions.values().forEach(this::retire);
                LOG.infof("model %s removed from the repository", entry.getKey());
                it.remove();
            }
        }
        for (ModelFolder folder : scan.models().values()) {
            reconcileModel(folder);
        }
        checkFallbackLinks();
        previousStamps = stamps(scan);
        firstPass = false;
        publish(Optional.empty());
        retireReplaced();
        return passTimings;
    }

    /** The repository could not be read; what is loaded keeps serving. */
    void repositoryUnreadable(String problem) {
        publish(Optional.of(problem));
    }

    void unloadAll() {
        state.values().forEach(model -> model.versions.values().forEach(this::retire));
        state.clear();
        publish(Optional.of("shutting down"));
        retireReplaced();
    }

    private void reconcileModel(ModelFolder folder) {
        ModelState model = state.computeIfAbsent(folder.name(), ModelState::new);
        FileStamp configStamp = folder.config().map(StampedFile::stamp).orElse(null);
        boolean configChanged = !model.configSeen || !Objects.equals(configStamp, model.configStamp);
        if (configChanged) {
            if (folder.config().isPresent() && !stable(folder.config().get())) {
                return;
            }
            try {
                ModelConfigSpec spec = folder.config().isPresent() ? parser.read(folder.config().get().path())
                        : ModelConfigSpec.empty();
                ModelConfig next = ModelConfigDefaults.apply(spec, batchingDefaults, failsafeDefaults);
                // a change of the routing block alone reloads no version
                configChanged = model.config == null || !next.withRouting(Optional.empty())
                        .equals(model.config.withRouting(Optional.empty()));
                model.config = next;
                model.configError = null;
                if (folder.config().isPresent()) {
                    LOG.infof("model %s: configuration %s applied", folder.name(),
                            folder.config().get().path().getFileName());
                }
            } catch (InvalidConfigException | IOException e) {
                model.configError = e.getMessage();
                configChanged = false;
                LOG.errorf("model %s: configuration refused, %s: %s", folder.name(),
                        model.config == null ? "the model is not served" : "the previous one stays in force",
                        e.getMessage());
            }
            model.configStamp = configStamp;
            model.configSeen = true;
        }
        readRoutingOverride(model, folder);
        if (model.config == null) {
            return;
        }
        takeOutOfService(model);
        SortedSet<Long> selected = model.config.versionPolicy().select(folder.versions().navigableKeySet());
        applyRouting(model, selected);
        for (long version : selected) {
            loadIfNeeded(model, version, folder.versions().get(version), configChanged);
        }
        boolean selectedReady = selected.stream().map(model.versions::get)
                .anyMatch(v -> v != null && v.ready());
        long standby = standby(model, selected, selectedReady);
        for (Iterator<Map.Entry<Long, VersionEntry>> it = model.versions.entrySet().iterator(); it.hasNext(); ) {
            VersionEntry entry = it.next().getValue();
            if (selected.contains(entry.version())) {
                continue;
            }
            boolean filesGone = !folder.versions().containsKey(entry.version());
            if (!filesGone && entry.version() == standby) {
                model.versions.put(entry.version(), new VersionEntry(entry.version(), VersionState.READY, false,
                        "kept loaded as the previous_version fallback of version " + selected.last(), entry.model(),
                        entry.stamp(), entry.since(), entry.history()));
                continue;
            }
            if (selectedReady || selected.isEmpty() || !entry.ready()) {
                retire(entry);
                it.remove();
                if (entry.ready()) {
                    LOG.infof("model %s version %d retired (%s)", model.name, entry.version(),
                            filesGone ? "removed from the repository" : "no longer selected by " + model.config
                                    .versionPolicy());
                }
            } else {
                String note = (filesGone ? "removed from the repository; " : "") + "kept serving until version "
                        + selected.last() + " is ready";
                model.versions.put(entry.version(), new VersionEntry(entry.version(), VersionState.READY, false, note,
                        entry.model(), entry.stamp(), entry.since(), entry.history()));
            }
        }
    }

    /** Reads the model's routing.json when it appeared, changed or went away; a refused one changes nothing. */
    private void readRoutingOverride(ModelState model, ModelFolder folder) {
        FileStamp stamp = folder.routing().map(StampedFile::stamp).orElse(null);
        if (model.routingSeen && Objects.equals(stamp, model.routingStamp)) {
            return;
        }
        if (folder.routing().isPresent() && !stable(folder.routing().get())) {
            return;
        }
        if (folder.routing().isEmpty()) {
            if (model.routingOverride != null) {
                LOG.infof("model %s: %s removed, the configuration's routing applies", model.name,
                        ModelRepositoryLayout.ROUTING_FILE);
            }
            model.routingOverride = null;
            model.routingFileError = null;
        } else {
            try {
                model.routingOverride = ModelConfigDefaults.routing(parser.readRouting(folder.routing().get().path()));
                model.routingFileError = null;
            } catch (InvalidConfigException | IOException e) {
                model.routingFileError = e.getMessage();
                LOG.errorf("model %s: %s refused, the routing before it stays in force: %s", model.name,
                        ModelRepositoryLayout.ROUTING_FILE, e.getMessage());
            }
        }
        model.routingStamp = stamp;
        model.routingSeen = true;
    }

    /**
     * Builds the model's routing table from routing.json, else the configuration's routing block, once it names only
     * versions the policy serves; a routing that names others is refused and the table before it stays in force.
     */
    private void applyRouting(ModelState model, SortedSet<Long> selected) {
        boolean override = model.routingOverride != null;
        Optional<Routing> wanted = override ? Optional.of(model.routingOverride) : model.config.routing();
        if (wanted.isEmpty()) {
            model.table = null;
            model.routingError = model.routingFileError;
            return;
        }
        String source = override ? ModelRepositoryLayout.ROUTING_FILE : "routing";
        List<FieldError> problems = ModelConfigValidator.servedVersions(override ? "" : "routing.", wanted.get(),
                selected, model.config.versionPolicy());
        if (!problems.isEmpty()) {
            String error = source + " refused: " + problems.stream().map(p -> p.path() + ": " + p.message())
                    .collect(Collectors.joining("; "));
            if (!error.equals(model.routingError)) {
                LOG.errorf("model %s: %s; %s", model.name, error, model.table == null
                        ? "requests that name no version go to the latest version" : "the routing before it stays");
            }
            model.routingError = error;
            return;
        }
        if (model.table == null || !model.table.routing().equals(wanted.get())) {
            model.table = RoutingTable.of(model.name, wanted.get());
            LOG.infof("model %s: routing from %s applied (aliases %s, weights %s, sticky by %s%s)", model.name,
                    source, new TreeMap<>(wanted.get().aliases()), model.table.weights(), wanted.get().stickyKey(),
                    model.table.shadow().map(s -> ", shadow version " + s.version() + " at " + s.share()).orElse(""));
        }
        model.routingError = model.routingFileError;
    }

    private void loadIfNeeded(ModelState model, long version, StampedFile file, boolean configChanged) {
        VersionEntry current = model.versions.get(version);
        boolean fileChanged = current == null || !current.stamp().equals(file.stamp());
        if (!fileChanged && !configChanged) {
            if (current.ready() && !current.selected()) {
                model.versions.put(version, new VersionEntry(version, VersionState.READY, true, null, current.model(),
                        current.stamp(), current.since(), current.history()));
            }
            return;
        }
        if (!stable(file)) {
            return;
        }
        VersionHistory history = current == null ? VersionHistory.none() : current.history();
        if (current == null || !current.ready()) {
            history = history.changed(VersionState.LOADING, null, clock.instant());
            model.versions.put(version, new VersionEntry(version, VersionState.LOADING, true, null, null,
                    file.stamp(), clock.instant(), history));
            // the first pass shows each version loading, but the function is not ready before it has read them all:
            // the models it has loaded so far are not the repository
            publish(firstPass ? Optional.of(FIRST_READ) : Optional.empty());
        }
        long started = System.nanoTime();
        try {
            LoadedModel loaded = loader.load(model.name, version, file.path(), model.config,
                    observers.apply(model.name, version));
            passTimings = passTimings.plus(loaded.loadTimings());
            Instant now = clock.instant();
            model.versions.put(version, new VersionEntry(version, VersionState.READY, true, null, loaded,
                    file.stamp(), now, history.loaded(loaded.digest(), now, Duration.ofNanos(System.nanoTime()
                    - started), loaded.gate()).changed(VersionState.READY, null, now)));
            LOG.infof("model %s version %d ready (loaded and warmed up in %d ms; batching: %s)", model.name, version,
                    (System.nanoTime() - started) / 1_000_000, loaded.batcher().policy());
            if (current != null) {
                retire(current);
            }
        } catch (ModelLoadException e) {
            LOG.errorf("model %s version %d failed to load: %s", model.name, version, e.getMessage());
            Instant now = clock.instant();
            VersionHistory attempt = history.loaded(null, now, Duration.ofNanos(System.nanoTime() - started),
                    e.gate().orElse(null));
            if (current != null && current.ready()) {
                String note = "reload failed, the previous load keeps serving: " + e.getMessage();
                model.versions.put(version, new VersionEntry(version, VersionState.READY, true, note,
                        current.model(), file.stamp(), current.since(), attempt.changed(VersionState.READY, note,
                        now)));
            } else {
                model.versions.put(version, new VersionEntry(version, VersionState.FAILED, true, e.getMessage(), null,
                        file.stamp(), now, attempt.changed(VersionState.FAILED, e.getMessage(), now)));
            }
        }
    }

    /**
     * Versions whose answers failed their output checks too often stop serving at once (they take no new lease); here
     * they become FAILED and are unloaded. They are loaded again when their file or the configuration changes.
     */
    private void takeOutOfService(ModelState model) {
        for (VersionEntry entry : List.copyOf(model.versions.values())) {
            if (entry.ready() && !entry.model().inService()) {
                String reason = "taken out of service: " + entry.model().outOfService();
                Instant now = clock.instant();
                model.versions.put(entry.version(), new VersionEntry(entry.version(), VersionState.FAILED,
                        entry.selected(), reason, null, entry.stamp(), now,
                        entry.history().changed(VersionState.FAILED, reason, now)));
                retire(entry);
            }
        }
    }

    /**
     * The version kept loaded beside the selected ones when the chain falls back to the previous version: the
     * highest ready unselected version below the highest selected one, once that is ready; -1 for none.
     */
    private static long standby(ModelState model, SortedSet<Long> selected, boolean selectedReady) {
        if (!selectedReady || model.config.fallback().stream()
                .noneMatch(step -> step instanceof FallbackSpec.PreviousVersion)) {
            return -1;
        }
        return model.versions.headMap(selected.last(), false).descendingMap().values().stream()
                .filter(v -> v.ready() && !selected.contains(v.version())).mapToLong(VersionEntry::version)
                .findFirst().orElse(-1);
    }

    /** Refuses the links between models' fallback chains that cannot work; reported once per change. */
    private void checkFallbackLinks() {
        Map<String, ModelConfig> configs = new HashMap<>();
        Map<String, ModelSignature> signatures = new HashMap<>();
        state.forEach((name, model) -> {
            if (model.config != null) {
                configs.put(name, model.config);
            }
            model.versions.descendingMap().values().stream().filter(VersionEntry::ready).findFirst()
                    .ifPresent(v -> signatures.put(name, v.model().signature()));
        });
        state.forEach((name, model) -> {
            String problem = FallbackLinks.problem(name, configs, signatures).orElse(null);
            if (problem != null && !problem.equals(model.fallbackError)) {
                LOG.errorf("model %s: fallback chain refused, its links to other models are skipped: %s", name,
                        problem);
            }
            model.fallbackError = problem;
        });
    }

    private boolean stable(StampedFile file) {
        return firstPass || file.stamp().equals(previousStamps.get(file.path()));
    }

    /** Retired only after the snapshot without it is published, so requests never find only retired versions. */
    private void retire(VersionEntry entry) {
        if (entry.model() != null) {
            toRetire.add(entry.model());
        }
    }

    private void retireReplaced() {
        toRetire.forEach(LoadedModel::retire);
        toRetire.clear();
    }

    private void publish(Optional<String> problem) {
        Map<String, ModelEntry> snapshot = new HashMap<>();
        state.forEach((name, model) -> snapshot.put(name, new ModelEntry(name,
                model.config == null ? ModelConfigDefaults.VERSION_POLICY : model.config.versionPolicy(),
                new TreeMap<>(model.versions), Optional.ofNullable(model.configError),
                Optional.ofNullable(model.fallbackError), Optional.ofNullable(model.table),
                Optional.ofNullable(model.routingError))));
        registry.publish(snapshot, problem);
    }

    private static Map<Path, FileStamp> stamps(RepositoryScan scan) {
        Map<Path, FileStamp> stamps = new HashMap<>();
        for (ModelFolder folder : scan.models().values()) {
            folder.config().ifPresent(c -> stamps.put(c.path(), c.stamp()));
            folder.routing().ifPresent(r -> stamps.put(r.path(), r.stamp()));
            folder.versions().values().forEach(v -> stamps.put(v.path(), v.stamp()));
        }
        return stamps;
    }

    /** The reconciler's working copy of one model. */
    private static final class ModelState {
        final String name;
        final TreeMap<Long, VersionEntry> versions = new TreeMap<>();
        ModelConfig config;
        FileStamp configStamp;
        boolean configSeen;
        String configError;
        String fallbackError;
        FileStamp routingStamp;
        boolean routingSeen;
        Routing routingOverride;
        String routingFileError;
        String routingError;
        RoutingTable table;

        ModelState(String name) {
            this.name = name;
        }
    }
}
