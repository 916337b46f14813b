package dev.quiver.inference.repository;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a look at the model repository found.
 *
 * @param models   model folders by name, in name order: every pass loads the models in the same order
 * @param ignored  entries that do not follow the layout, each with the reason, for the log
 */
public record RepositoryScan(Map<String, ModelFolder> models, List<String> ignored) {

    public RepositoryScan {
        models = Collections.unmodifiableSortedMap(new TreeMap<>(models));
        ignored = List.copyOf(ignored);
    }

    /**
     * @param config   the config.json or config.yaml beside the versions, with its stamp
     * @param versions version number to its model.onnx
     * @param routing  the routing.json override beside the versions, with its stamp
     */
    public record ModelFolder(String name, Optional<StampedFile> config, NavigableMap<Long, StampedFile> versions,
                              Optional<StampedFile> routing) {
    }

    public record StampedFile(Path path, FileStamp stamp) {
    }
}
