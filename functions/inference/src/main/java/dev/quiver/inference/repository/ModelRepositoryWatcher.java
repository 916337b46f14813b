package dev.quiver.inference.repository;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.metrics.InferenceMetrics;
import dev.quiver.inference.modelconfig.ModelConfigParser;
import dev.quiver.inference.runtime.LoadTimings;
import dev.quiver.inference.runtime.ModelLoader;
import dev.quiver.inference.startup.StartupTimeline;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.ObjectStoreException;
import dev.quiver.storage.ObjectStores;
import dev.quiver.storage.S3Config;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Looks at the model repository at start-up and then every poll interval, on one thread, and hands what it sees to
 * the reconciler. Polling (rather than file-system events) works the same on local disks, network volumes and the
 * mounted volumes Kubernetes gives a pod.
 */
@ApplicationScoped
public class ModelRepositoryWatcher {

    private static final Logger LOG = Logger.getLogger(ModelRepositoryWatcher.class);

    private final Path root;
    private final Optional<RepositoryMirror> mirror;
    private final InferenceConfig config;
    private final ModelRepositoryReconciler reconciler;
    private final StartupTimeline timeline;
    private ScheduledExecutorService executor;
    private String lastProblem;

    public ModelRepositoryWatcher(InferenceConfig config, S3Config s3, ModelLoader loader, ModelRegistry registry,
                                  InferenceMetrics metrics, ObjectMapper mapper, Clock clock,
                                  StartupTimeline timeline) {
        if (ObjectStores.isS3(config.modelRepository())) {
            ObjectStore store = ObjectStores.open(config.modelRepository(), s3.settings());
            this.mirror = Optional.of(new RepositoryMirror(store, config.inference().repositoryCache(), mapper));
            this.root = mirror.get().root();
        } else {
            this.mirror = Optional.empty();
            this.root = Path.of(config.modelRepository()).toAbsolutePath().normalize();
        }
        this.config = config;
        this.reconciler = new ModelRepositoryReconciler(loader, new ModelConfigParser(), config,
                metrics::batchObserver, registry, clock);
        this.timeline = timeline;
    }

    /** The folder the repository is read from: the repository itself, or its local copy of one in S3. */
    public Path localRoot() {
        return root;
    }

    void start(@Observes StartupEvent startup) {
        LOG.infof("model repository %s%s, checked every %s", config.modelRepository(),
                mirror.isPresent() ? " (copied to " + root + ")" : "", config.inference().pollInterval());
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("quiver-model-repository").daemon().factory());
        executor.scheduleWithFixedDelay(this::poll, 0, config.inference().pollInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reconciler.unloadAll();
    }

    private void poll() {
        try {
            long started = System.nanoTime();
            if (mirror.isPresent()) {
                mirror.get().sync();
            }
            RepositoryScan scan = ModelRepositoryScanner.scan(root);
            Duration fetched = Duration.ofNanos(System.nanoTime() - started);
            LoadTimings loads = reconciler.reconcile(scan);
            timeline.initialLoadDone(fetched, loads);
            lastProblem = null;
        } catch (IOException e) {
            String problem = "the model repository " + root + " cannot be read: " + e.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.error(problem);
                lastProblem = problem;
            }
            reconciler.repositoryUnreadable(problem);
        } catch (ObjectStoreException e) {
            String problem = "the model repository " + config.modelRepository() + " cannot be read: "
                    + e.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.error(problem);
                lastProblem = problem;
            }
            reconciler.repositoryUnreadable(problem);
        } catch (RuntimeException e) {
            LOG.error("model repository check failed; retrying at the next poll", e);
        }
    }
}
