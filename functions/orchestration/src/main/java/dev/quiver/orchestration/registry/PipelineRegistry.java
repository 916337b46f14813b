package dev.quiver.orchestration.registry;

import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Reads the pipeline folder at startup and again when a file is added or changed, and registers every valid pipeline
 * version. An invalid file is reported with all its problems and registers nothing. A version once registered keeps
 * its definition: a file that changes a version's content without raising {@code version} is refused, so that what
 * a run used can always be told.
 */
@Startup
@ApplicationScoped
public class PipelineRegistry {

    private static final Logger LOG = Logger.getLogger(PipelineRegistry.class);

    private final Pipelines pipelines;
    private final Path folder;
    private final Map<Path, String> seen = new HashMap<>();
    private final Map<String, String> definitions = new HashMap<>();
    private boolean reportedMissing;

    @Inject
    public PipelineRegistry(Pipelines pipelines, OrchestrationConfig config) {
        this(pipelines, config.pipelines());
    }

    PipelineRegistry(Pipelines pipelines, Path folder) {
        this.pipelines = pipelines;
        this.folder = folder.toAbsolutePath();
        scan();
    }

    // the constructor scanned at start; the schedule's first scan is one interval later
    @Scheduled(every = "${quiver.orchestration.pipelines-poll-interval}",
            delayed = "${quiver.orchestration.pipelines-poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void scan() {
        if (!Files.isDirectory(folder)) {
            if (!reportedMissing) {
                LOG.warnf("pipeline folder %s does not exist: no pipeline is registered", folder);
                reportedMissing = true;
            }
            return;
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(folder)) {
            files = listing.filter(file -> file.toString().endsWith(".yaml") || file.toString().endsWith(".yml"))
                    .sorted().toList();
        } catch (IOException e) {
            LOG.errorf("pipeline folder %s cannot be read: %s", folder, e.getMessage());
            return;
        }
        for (Path file : files) {
            try {
                String text = Files.readString(file);
                if (text.equals(seen.put(file, text))) {
                    continue;
                }
                register(file, text);
            } catch (IOException e) {
                LOG.errorf("pipeline file %s cannot be read: %s", file, e.getMessage());
            }
        }
    }

    private void register(Path file, String text) {
        PipelineSpec spec;
        try {
            spec = PipelineParser.parse(file.getFileName().toString(), text);
        } catch (InvalidConfigException e) {
            LOG.error(e.getMessage());
            return;
        }
        String key = spec.name() + "@" + spec.version();
        String before = definitions.putIfAbsent(key, text);
        if (before != null && !before.equals(text)) {
            LOG.errorf("pipeline file %s changes version %d of %s, which is registered already: raise version to "
                    + "register the change", file.getFileName(), spec.version(), spec.name());
            return;
        }
        if (before == null) {
            pipelines.add(spec);
            LOG.infof("pipeline %s version %d registered from %s (%d steps)", spec.name(), spec.version(),
                    file.getFileName(), spec.steps().size());
        }
    }
}
