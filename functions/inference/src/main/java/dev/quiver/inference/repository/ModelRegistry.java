package dev.quiver.inference.repository;

import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.runtime.LoadedModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The models being served, as an immutable snapshot replaced whole by the repository reconciler. Requests read the
 * snapshot without locking and take a lease on the version they use.
 */
@ApplicationScoped
public class ModelRegistry {

    private final Duration retryAfter;
    private volatile Map<String, ModelEntry> models = Map.of();
    private volatile Optional<String> repositoryProblem = Optional.of("the model repository has not been read yet");

    public ModelRegistry(InferenceConfig config) {
        this.retryAfter = config.inference().notReadyRetryAfter();
    }

    void publish(Map<String, ModelEntry> snapshot, Optional<String> problem) {
        this.models = Map.copyOf(snapshot);
        this.repositoryProblem = problem;
    }

    /** Every model, by name in order. */
    public Map<String, ModelEntry> models() {
        return new TreeMap<>(models);
    }

    public ModelEntry model(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            throw InferenceException.notFound("model \"" + InferenceException.shown(name) + "\" not found; the "
                    + "repository holds " + models().keySet());
        }
        return entry;
    }

    public VersionEntry version(ModelEntry model, String version) {
        VersionEntry entry = parseVersion(version).map(model.versions()::get).orElse(null);
        if (entry == null) {
            throw InferenceException.notFound("model \"" + model.name() + "\" has no version \""
                    + InferenceException.shown(version) + "\"; its versions are " + model.versions().keySet());
        }
        return entry;
    }

    /**
     * Takes a lease on the version a request should use: the given one, or the latest ready one. The caller must
     * {@link LoadedModel#release()} it.
     */
    public LoadedModel acquire(String name, Optional<String> version) {
        for (int attempt = 0; attempt < 5; attempt++) {
            ModelEntry model = model(name);
            LoadedModel loaded;
            if (version.isPresent()) {
                VersionEntry entry = version(model, version.get());
                if (!entry.ready()) {
                    throw InferenceException.unavailable(switch (entry.state()) {
                        case LOADING -> "model " + name + " version " + entry.version() + " is loading";
                        case FAILED -> "model " + name + " version " + entry.version() + " failed to load: "
                                + entry.reason();
                        default -> "model " + name + " version " + entry.version() + " is being unloaded";
                    }, retryAfter);
                }
                if (!entry.serving()) {
                    throw InferenceException.unavailable("model " + name + " version " + entry.version()
                            + " was taken out of service: " + entry.model().outOfService(), retryAfter);
                }
                loaded = entry.model();
            } else {
                loaded = model.latestReady().map(VersionEntry::model).orElseThrow(
                        () -> InferenceException.unavailable(model.unavailableReason(), retryAfter));
            }
            if (loaded.tryAcquire()) {
                return loaded;
            }
            // retired between reading the snapshot and taking the lease: the next snapshot has its successor
            Thread.onSpinWait();
        }
        throw InferenceException.unavailable("model " + name + " is being replaced", retryAfter);
    }

    /** Ready when the repository was read and every model in it has a ready version. */
    public Readiness readiness() {
        List<String> problems = new ArrayList<>();
        repositoryProblem.ifPresent(problems::add);
        models().values().stream().filter(m -> !m.ready()).forEach(m -> problems.add(m.unavailableReason()));
        return new Readiness(problems.isEmpty(), problems);
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    private static Optional<Long> parseVersion(String version) {
        if (version == null || !version.matches("[1-9][0-9]{0,17}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(version));
    }

    /** Whether the function may receive traffic, and if not, why. */
    public record Readiness(boolean ready, List<String> problems) {
    }
}
