package dev.quiver.inference.demand;

import dev.quiver.events.serving.DemandReported;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The requests of each model this replica serves, over its loaded versions: being served, and waiting for a batch. */
final class DemandSampler {

    /** A report names at most this many models (the event's schema), the busiest first. */
    static final int MAX_MODELS = 1000;

    private final ModelRegistry registry;

    DemandSampler(ModelRegistry registry) {
        this.registry = registry;
    }

    List<DemandReported.ModelDemand> sample() {
        List<DemandReported.ModelDemand> models = new ArrayList<>();
        for (ModelEntry model : registry.models().values()) {
            int inFlight = 0;
            int queued = 0;
            boolean loaded = false;
            for (VersionEntry version : model.versions().values()) {
                if (version.model() == null) {
                    continue;
                }
                loaded = true;
                DynamicBatcher batcher = version.model().batcher();
                int waiting = batcher.queued();
                queued += waiting;
                inFlight += Math.max(0, batcher.inFlight() - waiting);
            }
            if (loaded) {
                models.add(new DemandReported.ModelDemand(model.name(), inFlight, queued));
            }
        }
        models.sort(Comparator.comparingLong((DemandReported.ModelDemand m) -> (long) m.inFlight() + m.queued())
                .reversed().thenComparing(DemandReported.ModelDemand::model));
        return models.size() > MAX_MODELS ? List.copyOf(models.subList(0, MAX_MODELS)) : models;
    }
}
