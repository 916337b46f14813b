package dev.quiver.orchestration.registry;

import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.digest.Sha256;
import dev.quiver.orchestration.dispatch.ExecutorConsumers;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.Transactions;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Registers every pipeline version: those stored in the run database ({@link PipelineDefinitions}), those an admin
 * puts over the API, and those of the valid files in the pipeline folder (a ConfigMap mounted as a folder included),
 * read at start and every poll interval. An invalid file is reported with all its problems and registers nothing.
 * A version keeps the definition it was first registered with, across restarts and replicas: a file that changes a
 * version's content without raising {@code version} is refused, so that a run always finishes on the definition it
 * started with, and what it used can always be told. A replica asked for a pipeline's latest version, or for one it
 * does not know, looks in the database first, so that replicas never answer one request with different versions.
 */
@Startup
@ApplicationScoped
public class PipelineRegistry {

    private static final Logger LOG = Logger.getLogger(PipelineRegistry.class);

    private final Pipelines pipelines;
    private final PipelineDefinitions definitions;
    private final Path folder;
    private final Clock clock;
    private final ExecutorConsumers consumers;
    private final Map<Path, String> seen = new HashMap<>();
    /** The digest of each stored version looked at here (registered, or refused as unreadable or unrunnable). */
    private final Map<String, String> looked = new HashMap<>();
    /** The highest stored version looked at here, by pipeline. */
    private final Map<String, Integer> highest = new HashMap<>();
    private boolean reportedMissing;

    @Inject
    public PipelineRegistry(Pipelines pipelines, Transactions transactions, OrchestrationConfig config, Clock clock,
                            ExecutorConsumers consumers) {
        this(pipelines, transactions, config.pipelines(), clock, consumers);
    }

    PipelineRegistry(Pipelines pipelines, Transactions transactions, Path folder, Clock clock,
                     ExecutorConsumers consumers) {
        this.pipelines = pipelines;
        this.definitions = new PipelineDefinitions(transactions);
        this.folder = folder.toAbsolutePath();
        this.clock = clock;
        this.consumers = consumers;
        pipelines.lookUpWith(this::refresh);
        scan();
    }

    // the constructor scanned at start; the schedule's first scan is one interval later
    @Scheduled(every = "${quiver.orchestration.pipelines-poll-interval}",
            delayed = "${quiver.orchestration.pipelines-poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void scan() {
        try {
            definitions.all().forEach(this::restore);
            for (Path file : files()) {
                String text;
                try {
                    text = Files.readString(file);
                } catch (IOException e) {
                    LOG.errorf("pipeline file %s cannot be read: %s", file, e.getMessage());
                    continue;
                }
                if (!text.equals(seen.get(file))) {
                    register(file, text);
                    seen.put(file, text);
                }
            }
        } catch (IOException e) {
            LOG.errorf("pipeline folder %s cannot be read: %s", folder, e.getMessage());
        } catch (StoreException e) {
            LOG.warnf("pipelines cannot be registered while the run database is unavailable (%s); tried again at the "
                    + "next scan", e.getMessage());
        }
    }

    /**
     * Registers what the database holds for {@code pipeline} that this replica has not seen: {@code version}, or when
     * empty every version above the highest seen here.
     */
    synchronized void refresh(String pipeline, Optional<Integer> version) {
        if (version.isPresent()) {
            definitions.version(pipeline, version.get()).ifPresent(this::restore);
        } else {
            definitions.versionsAfter(pipeline, highest.getOrDefault(pipeline, 0)).forEach(this::restore);
        }
    }

    /**
     * Registers a definition an admin put over the API.
     *
     * @return the version as stored, and whether this request stored it (false: it was stored before, identical)
     * @throws PipelineRefusedException 400 for an invalid definition, one of another pipeline or with an executor
     *                                  that has no consumer here; 409 for a version stored with other content
     */
    public synchronized Registration put(String name, String yaml, String registeredBy) {
        PipelineSpec spec;
        try {
            spec = PipelineParser.parse(name + ".yaml", yaml);
        } catch (InvalidConfigException e) {
            throw new PipelineRefusedException(400, e.getMessage());
        }
        if (!spec.name().equals(name)) {
            throw new PipelineRefusedException(400, "pipeline: the definition is of pipeline \"" + spec.name()
                    + "\", put at /pipelines/" + name + "; expected \"" + name + "\"");
        }
        List<String> problems = consumers.problems(spec);
        if (!problems.isEmpty()) {
            throw new PipelineRefusedException(400, String.join("; ", problems));
        }
        String digest = Sha256.of(yaml.getBytes(StandardCharsets.UTF_8));
        Optional<PipelineDefinitions.Stored> before = definitions.version(name, spec.version());
        PipelineDefinitions.Stored stored = before.orElseGet(() -> definitions.register(new PipelineDefinitions
                .Stored(name, spec.version(), digest, name + ".yaml", yaml, registeredBy, clock.instant())));
        restore(stored);
        if (!stored.digest().equals(digest)) {
            throw new PipelineRefusedException(409, "version: pipeline \"" + name + "\" version " + spec.version()
                    + " is registered already with other content (" + stored.digest() + ", this definition "
                    + digest + "); raise version to register a change");
        }
        boolean created = before.isEmpty();
        LOG.infof("pipeline %s version %d %s by %s (%d steps, %s)", name, spec.version(),
                created ? "registered" : "put again unchanged", registeredBy, spec.steps().size(), digest);
        return new Registration(view(stored), created);
    }

    /** Every version stored, whichever replica or file registered it. */
    public List<Version> versions() {
        return definitions.all().stream().map(PipelineRegistry::view).toList();
    }

    public Optional<Version> version(String pipeline, int version) {
        return definitions.version(pipeline, version).map(PipelineRegistry::view);
    }

    /** A stored version as the API shows it. */
    public record Version(String pipeline, int version, String digest, String registeredBy,
                          Instant registeredAt, String definition) {
    }

    /** The outcome of a put. */
    public record Registration(Version version, boolean created) {
    }

    private static Version view(PipelineDefinitions.Stored stored) {
        return new Version(stored.pipeline(), stored.version(), stored.digest(),
                stored.registeredBy() == null ? "file " + stored.fileName() : stored.registeredBy(),
                stored.registeredAt(), stored.definition());
    }

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(folder)) {
            if (!reportedMissing) {
                LOG.warnf("pipeline folder %s does not exist: no pipeline file is read", folder);
                reportedMissing = true;
            }
            return List.of();
        }
        // a ConfigMap's files are links to a hidden folder (..data) that is swapped whole on an update
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.filter(file -> !file.getFileName().toString().startsWith("."))
                    .filter(file -> file.toString().endsWith(".yaml") || file.toString().endsWith(".yml"))
                    .sorted().toList();
        }
    }

    /** A version stored by an earlier start or another replica: registered as stored, whatever the files say now. */
    private void restore(PipelineDefinitions.Stored stored) {
        String key = stored.pipeline() + "@" + stored.version();
        if (looked.containsKey(key)) {
            return;
        }
        looked.put(key, stored.digest());
        highest.merge(stored.pipeline(), stored.version(), Math::max);
        PipelineSpec spec;
        try {
            spec = PipelineParser.parse(stored.fileName(), stored.definition());
        } catch (InvalidConfigException e) {
            LOG.errorf("pipeline %s version %d as stored in the run database no longer reads: %s", stored.pipeline(),
                    stored.version(), e.getMessage());
            return;
        }
        List<String> problems = consumers.problems(spec);
        if (!problems.isEmpty()) {
            LOG.errorf("pipeline %s version %d as stored in the run database cannot run here: %s", stored.pipeline(),
                    stored.version(), String.join("; ", problems));
            return;
        }
        pipelines.add(spec);
        LOG.infof("pipeline %s version %d registered as stored (first from %s, %s)", stored.pipeline(),
                stored.version(), view(stored).registeredBy(), stored.digest());
    }

    private void register(Path file, String text) {
        PipelineSpec spec;
        try {
            spec = PipelineParser.parse(file.getFileName().toString(), text);
        } catch (InvalidConfigException e) {
            LOG.error(e.getMessage());
            return;
        }
        List<String> problems = consumers.problems(spec);
        if (!problems.isEmpty()) {
            LOG.errorf("%s: pipeline %s version %d is refused: %s", file.getFileName(), spec.name(), spec.version(),
                    String.join("; ", problems));
            return;
        }
        String key = spec.name() + "@" + spec.version();
        String digest = Sha256.of(text.getBytes(StandardCharsets.UTF_8));
        String before = looked.get(key);
        if (before == null) {
            PipelineDefinitions.Stored stored = definitions.register(new PipelineDefinitions.Stored(spec.name(),
                    spec.version(), digest, file.getFileName().toString(), text, "file " + file.getFileName(),
                    clock.instant()));
            restore(stored);
            before = stored.digest();
        }
        if (!before.equals(digest)) {
            LOG.errorf("pipeline file %s changes version %d of %s, which is registered already with other content "
                    + "(%s, this file %s): raise version to register the change; version %d stays as registered",
                    file.getFileName(), spec.version(), spec.name(), before, digest, spec.version());
        }
    }
}
