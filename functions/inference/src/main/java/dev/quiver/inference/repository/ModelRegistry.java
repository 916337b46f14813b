package dev.quiver.inference.repository;

import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.routing.RouteKind;
import dev.quiver.inference.routing.RoutingKeys;
import dev.quiver.inference.routing.RoutingTable;
import dev.quiver.inference.runtime.LoadedModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

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

    /** The version a version number or one of the model's aliases names. */
    public VersionEntry version(ModelEntry model, String version) {
        Optional<Long> number = model.routing().flatMap(table -> table.alias(version)).or(() -> parseVersion(version));
        VersionEntry entry = number.map(model.versions()::get).orElse(null);
        if (entry == null) {
            throw InferenceException.notFound("model \"" + model.name() + "\" has no version \""
                    + InferenceException.shown(version) + "\"; its versions are " + model.versions().keySet()
                    + model.routing().map(table -> table.aliases().isEmpty() ? "" : " and its aliases "
                    + new TreeMap<>(table.aliases())).orElse(""));
        }
        return entry;
    }

    /**
     * Takes a lease on the version a request should use: the given one, or the latest ready one. The caller must
     * {@link LoadedModel#release()} it. Weights are not consulted: this is for work that is not a caller's request.
     */
    public LoadedModel acquire(String name, Optional<String> version) {
        return route(name, version, null).model();
    }

    /**
     * Takes a lease on the version a caller's request gets: the version or alias it names, else the one its key
     * draws by the model's routing weights (at random without a key), else the latest ready one. The caller must
     * {@link LoadedModel#release()} it.
     *
     * @param keys the request's sticky keys; null to ignore the weights
     */
    public Routed route(String name, Optional<String> version, RoutingKeys keys) {
        for (int attempt = 0; attempt < 5; attempt++) {
            ModelEntry model = model(name);
            LoadedModel loaded;
            RouteKind route;
            if (version.isPresent()) {
                VersionEntry entry = version(model, version.get());
                route = parseVersion(version.get()).isPresent() ? RouteKind.EXPLICIT : RouteKind.ALIAS;
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
                long routed = keys == null ? -1 : weighted(model, keys);
                if (routed > 0) {
                    route = RouteKind.WEIGHTED;
                    loaded = model.versions().get(routed).model();
                } else {
                    route = RouteKind.LATEST;
                    loaded = model.latestReady().map(VersionEntry::model).orElseThrow(
                            () -> InferenceException.unavailable(model.unavailableReason(), retryAfter));
                }
            }
            if (loaded.tryAcquire()) {
                return new Routed(loaded, route, model.routing());
            }
            // retired between reading the snapshot and taking the lease: the next snapshot has its successor
            Thread.onSpinWait();
        }
        throw InferenceException.unavailable("model " + name + " is being replaced", retryAfter);
    }

    /** The weighted version for the request among those serving; -1 without weights or when none of them serves. */
    private static long weighted(ModelEntry model, RoutingKeys keys) {
        if (model.routing().isEmpty() || !model.routing().get().weighted()) {
            return -1;
        }
        RoutingTable table = model.routing().get();
        Optional<String> key = keys.key(table.stickyKey());
        return key.isPresent() ? table.choose(key.get(), model::serving)
                : table.draw(model::serving, ThreadLocalRandom.current());
    }

    /**
     * A lease on the version a request got, and how it was chosen.
     *
     * @param routing the model's routing table when the version was chosen, for the shadow copy
     */
    public record Routed(LoadedModel model, RouteKind route, Optional<RoutingTable> routing) {
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
