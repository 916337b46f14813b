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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Registers every pipeline version: those stored in the run database ({@link PipelineDefinitions}), and those of the
 * valid files in the pipeline folder, read at start and every poll interval. An invalid file is reported with all its
 * problems and registers nothing. A version keeps the definition it was first registered with, across restarts and
 * replicas: a file that changes a version's content without raising {@code version} is refused, so that a run always
 * finishes on the definition it started with, and what it used can always be told.
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
    /** The digest of each version registered here, by {@code name@version}. */
    private final Map<String, String> registered = new HashMap<>();
    /** Stored versions that cannot run here, reported once each. */
    private final Set<String> unrunnable = new HashSet<>();
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

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(folder)) {
            if (!reportedMissing) {
                LOG.warnf("pipeline folder %s does not exist: no pipeline file is read", folder);
                reportedMissing = true;
            }
            return List.of();
        }
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.filter(file -> file.toString().endsWith(".yaml") || file.toString().endsWith(".yml"))
                    .sorted().toList();
        }
    }

    /** A version stored by an earlier start or another replica: registered as stored, whatever the files say now. */
    private void restore(PipelineDefinitions.Stored stored) {
        String key = stored.pipeline() + "@" + stored.version();
        if (registered.containsKey(key) || unrunnable.contains(key)) {
            return;
        }
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
            unrunnable.add(key);
            LOG.errorf("pipeline %s version %d as stored in the run database cannot run here: %s", stored.pipeline(),
                    stored.version(), String.join("; ", problems));
            return;
        }
        pipelines.add(spec);
        registered.put(key, stored.digest());
        LOG.infof("pipeline %s version %d registered as stored (first read from %s, %s)", stored.pipeline(),
                stored.version(), stored.fileName(), stored.digest());
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
        String before = registered.get(key);
        if (before == null) {
            PipelineDefinitions.Stored stored = definitions.register(new PipelineDefinitions.Stored(spec.name(),
                    spec.version(), digest, file.getFileName().toString(), text), clock.instant());
            if (stored.digest().equals(digest)) {
                pipelines.add(spec);
                registered.put(key, digest);
                LOG.infof("pipeline %s version %d registered from %s (%d steps, %s)", spec.name(), spec.version(),
                        file.getFileName(), spec.steps().size(), digest);
                return;
            }
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
