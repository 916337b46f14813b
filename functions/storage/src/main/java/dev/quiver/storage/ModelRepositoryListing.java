package dev.quiver.storage;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a look at a model repository found, by {@link ModelRepositoryLayout}.
 *
 * @param models  the model folders by name
 * @param ignored entries that do not follow the layout, each with the reason, for the log
 */
public record ModelRepositoryListing(Map<String, Model> models, List<String> ignored) {

    public ModelRepositoryListing {
        models = Map.copyOf(models);
        ignored = List.copyOf(ignored);
    }

    /**
     * One model's folder; every key is relative to the repository's root.
     *
     * @param config   the configuration file that applies, if the model has one
     * @param versions each version with the key of its model file
     * @param routing  the routing override, if the model has one
     */
    public record Model(String name, Optional<String> config, NavigableMap<Long, String> versions,
                        Optional<String> routing) {

        public Model {
            versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
        }

        /** The highest version, or 0 when there is none. */
        public long latestVersion() {
            return versions.isEmpty() ? 0 : versions.lastKey();
        }
    }
}
