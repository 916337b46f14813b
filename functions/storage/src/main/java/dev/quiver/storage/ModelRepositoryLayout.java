package dev.quiver.storage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How a model repository is laid out, the one place that says so for the function that serves it and the steps that
 * publish into it: {@code <model>/<version>/model.onnx}, versions being positive whole numbers, with an optional
 * configuration file beside the versions, {@code <model>/config.json}, {@code config.yaml} or {@code config.yml}; when
 * several are there the first of these applies and the others are ignored, and an optional routing override,
 * {@code <model>/routing.json}, which replaces the configuration's routing block. Entries whose name starts with a dot
 * are not part of it, so a copy in progress under a dot-name is never seen; other files beside the versions (such as
 * a rollout's {@code rollout.json}) are not part of it either and are left out without a word.
 */
public final class ModelRepositoryLayout {

    public static final String MODEL_FILE = "model.onnx";
    /** A version's training baseline beside its model file, what its served inputs are compared with for drift. */
    public static final String BASELINE_FILE = "baseline.json";
    /** The configuration files a model may have, the one that applies first. */
    public static final List<String> CONFIG_FILES = List.of("config.json", "config.yaml", "config.yml");
    /** The routing override beside the versions; it replaces the configuration's {@code routing} block whole. */
    public static final String ROUTING_FILE = "routing.json";
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    private ModelRepositoryLayout() {
    }

    public static boolean isModelName(String name) {
        return name != null && MODEL_NAME.matcher(name).matches();
    }

    /** What a valid model name is, for messages. */
    public static String modelNameRule() {
        return "letters, digits, '_', '.' or '-', starting with a letter or digit, at most 128";
    }

    /** The key of a version's model file. */
    public static String modelKey(String model, long version) {
        if (!isModelName(model) || version < 1) {
            throw new IllegalArgumentException("model '" + model + "' version " + version + ": expected a model name ("
                    + modelNameRule() + ") and a version from 1");
        }
        return model + "/" + version + "/" + MODEL_FILE;
    }

    /** The key of a version's training baseline, {@code <model>/<version>/baseline.json}. */
    public static String baselineKey(String model, long version) {
        String modelKey = modelKey(model, version);
        return modelKey.substring(0, modelKey.length() - MODEL_FILE.length()) + BASELINE_FILE;
    }

    /** The name, when it is a valid model name. */
    public static String requireModelName(String model) {
        if (!isModelName(model)) {
            throw new IllegalArgumentException("model '" + model + "': a model name is " + modelNameRule());
        }
        return model;
    }

    /** Where a publisher writes a model's configuration when it has none yet: a YAML file. */
    public static String newConfigKey(String model) {
        return requireModelName(model) + "/config.yaml";
    }

    /** Whether a model configuration file is JSON; the others are YAML. */
    public static boolean isJson(String configKey) {
        return configKey.endsWith(".json");
    }

    /**
     * Reads a repository from the keys under its root: objects, and folders as keys ending in {@code /} (a listing of
     * a folder names them, so that an empty version folder can be reported; an object store has none). Keys that do
     * not follow the layout are left out, each with the reason.
     */
    public static ModelRepositoryListing read(Collection<String> keys) {
        Map<String, Folder> folders = new TreeMap<>();
        Set<String> ignored = new LinkedHashSet<>();
        for (String key : new TreeSet<>(keys)) {
            String[] segments = key.split("/", -1);
            if (segments.length < 2 || hidden(segments)) {
                continue;
            }
            String model = segments[0];
            if (!isModelName(model)) {
                ignored.add(model + ": not a valid model name (" + modelNameRule() + ")");
                continue;
            }
            Folder folder = folders.computeIfAbsent(model, Folder::new);
            String child = segments[1];
            if (segments.length == 2) {
                if (CONFIG_FILES.contains(child)) {
                    folder.configs.add(child);
                } else if (child.equals(ROUTING_FILE)) {
                    folder.routing = true;
                }
            } else if (!VERSION.matcher(child).matches()) {
                ignored.add(model + "/" + child + ": versions are positive whole numbers");
            } else {
                long version = Long.parseLong(child);
                folder.versionFolders.add(version);
                if (segments.length == 3 && segments[2].equals(MODEL_FILE)) {
                    folder.versions.put(version, key);
                }
            }
        }
        Map<String, ModelRepositoryListing.Model> models = new TreeMap<>();
        for (Folder folder : folders.values()) {
            models.put(folder.name, folder.listing(ignored));
        }
        return new ModelRepositoryListing(models, new ArrayList<>(ignored));
    }

    private static boolean hidden(String[] segments) {
        for (String segment : segments) {
            if (segment.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** What the keys under one model's folder said, before the precedence rules apply. */
    private static final class Folder {

        private final String name;
        private final List<String> configs = new ArrayList<>();
        private final Set<Long> versionFolders = new TreeSet<>();
        private final TreeMap<Long, String> versions = new TreeMap<>();
        private boolean routing;

        Folder(String name) {
            this.name = name;
        }

        ModelRepositoryListing.Model listing(Set<String> ignored) {
            for (long version : versionFolders) {
                if (!versions.containsKey(version)) {
                    ignored.add(name + "/" + version + ": no " + MODEL_FILE);
                }
            }
            configs.sort(Comparator.comparing(CONFIG_FILES::indexOf));
            if (configs.size() > 1) {
                ignored.add(name + ": both " + configs + "; using " + configs.getFirst());
            }
            Optional<String> config = configs.stream().findFirst().map(file -> name + "/" + file);
            return new ModelRepositoryListing.Model(name, config, versions,
                    routing ? Optional.of(name + "/" + ROUTING_FILE) : Optional.empty());
        }
    }
}
