package dev.quiver.orchestration.runs;

import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pipelines runs may be requested for, every version of each, as graphs ready to plan. Asked for a pipeline's latest
 * version, or for a version it does not hold, it first looks in the shared store ({@link #lookUpWith}), so that a
 * version another replica registered a moment ago is run here too, and "the latest" means the same on every replica.
 */
public final class Pipelines {

    /** Registers what the shared store holds for a pipeline (and a version, or the latest) that is not here yet. */
    public interface Lookup {
        void lookUp(String name, Optional<Integer> version);
    }

    private final Map<String, NavigableMap<Integer, PipelineGraph>> byName = new ConcurrentHashMap<>();
    private volatile Lookup lookup = (name, version) -> { };

    public static Pipelines of(Collection<PipelineSpec> specs) {
        Pipelines pipelines = new Pipelines();
        specs.forEach(pipelines::add);
        return pipelines;
    }

    /** Where versions registered by other replicas are found: asked for the latest, and for a version not here. */
    public void lookUpWith(Lookup lookup) {
        this.lookup = lookup;
    }

    public void add(PipelineSpec spec) {
        byName.computeIfAbsent(spec.name(), ignored -> new ConcurrentSkipListMap<>()).put(spec.version(), PipelineGraph.of(spec));
    }

    /**
     * @param version the latest when empty
     * @throws RunRefusedException when no such pipeline or version is registered
     */
    public PipelineGraph graph(String name, Optional<Integer> version) {
        NavigableMap<Integer, PipelineGraph> versions = byName.get(name);
        if (version.isEmpty() || versions == null || !versions.containsKey(version.get())) {
            lookup.lookUp(name, version);
            versions = byName.get(name);
        }
        if (versions == null || versions.isEmpty()) {
            throw new RunRefusedException("pipeline: no pipeline \"" + name + "\" is registered; registered: "
                    + String.join(", ", byName.keySet().stream().sorted().toList()));
        }
        if (version.isEmpty()) {
            return versions.lastEntry().getValue();
        }
        PipelineGraph graph = versions.get(version.get());
        if (graph == null) {
            throw new RunRefusedException("version: pipeline \"" + name + "\" has no version " + version.get()
                    + "; registered versions: " + versions.keySet());
        }
        return graph;
    }

    public List<PipelineSpec> all() {
        return byName.values().stream().flatMap(versions -> versions.values().stream()).map(PipelineGraph::spec)
                .sorted(Comparator.comparing(PipelineSpec::name).thenComparingInt(PipelineSpec::version)).toList();
    }
}
