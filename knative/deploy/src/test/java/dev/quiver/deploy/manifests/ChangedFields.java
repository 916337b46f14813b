package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The paths at which two versions of a resource differ, such as
 * {@code spec.template.spec.containers[inference].env[QUIVER_RATELIMIT_REDIS]}: lists of objects with a {@code name}
 * (containers, env, ports, volumes) are compared entry by entry by name, other lists as a whole.
 */
final class ChangedFields {

    private ChangedFields() {
    }

    static List<String> between(JsonNode before, JsonNode after) {
        List<String> paths = new ArrayList<>();
        compare("", before, after, paths);
        return paths;
    }

    private static void compare(String path, JsonNode before, JsonNode after, List<String> paths) {
        if (before != null && before.equals(after)) {
            return;
        }
        if (before != null && after != null && before.isObject() && after.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            before.fieldNames().forEachRemaining(names::add);
            after.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                compare(path.isEmpty() ? name : path + "." + name, before.get(name), after.get(name), paths);
            }
        } else if (before != null && after != null && named(before) && named(after)) {
            Set<String> names = new LinkedHashSet<>();
            before.forEach(entry -> names.add(entry.path("name").asText()));
            after.forEach(entry -> names.add(entry.path("name").asText()));
            for (String name : names) {
                compare(path + "[" + name + "]", byName(before, name), byName(after, name), paths);
            }
        } else {
            paths.add(path);
        }
    }

    private static boolean named(JsonNode list) {
        if (!list.isArray() || list.isEmpty()) {
            return false;
        }
        Set<String> names = new HashSet<>();
        for (JsonNode entry : list) {
            if (!entry.path("name").isTextual() || !names.add(entry.path("name").asText())) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode byName(JsonNode list, String name) {
        for (JsonNode entry : list) {
            if (entry.path("name").asText().equals(name)) {
                return entry;
            }
        }
        return null;
    }
}
