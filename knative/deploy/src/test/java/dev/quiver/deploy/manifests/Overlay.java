package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An overlay rendered the way the deploy tool renders it, within the kustomize subset the project keeps to:
 * {@code resources: [../../base]}, {@code namespace}, {@code images} ({@code name}, {@code newName}, {@code newTag}) and
 * {@code patches} of JSON merge patches, each aimed at one base resource by kind and name.
 */
record Overlay(Path folder, JsonNode kustomization) {

    static final Set<String> KEYS = Set.of("apiVersion", "kind", "resources", "namespace", "images", "patches");

    static Overlay at(Path folder) {
        return new Overlay(folder, ManifestFiles.read(folder.resolve("kustomization.yaml")).getFirst());
    }

    /** @return what the overlay uses beyond the subset, each naming the field; empty when it keeps to it */
    List<String> subsetProblems() {
        List<String> problems = new ArrayList<>();
        String file = folder.getFileName() + "/kustomization.yaml";
        kustomization.fieldNames().forEachRemaining(key -> {
            if (!KEYS.contains(key)) {
                problems.add(file + ": " + key + ": not in the subset; expected only " + KEYS);
            }
        });
        JsonNode resources = kustomization.path("resources");
        if (resources.size() != 1 || !resources.get(0).asText().equals("../../base")) {
            problems.add(file + ": resources: expected [../../base], got " + resources);
        }
        for (JsonNode image : kustomization.path("images")) {
            image.fieldNames().forEachRemaining(key -> {
                if (!Set.of("name", "newName", "newTag").contains(key)) {
                    problems.add(file + ": images[" + image.path("name").asText() + "]." + key
                            + ": expected only name, newName, newTag");
                }
            });
        }
        for (JsonNode patch : kustomization.path("patches")) {
            Set<String> keys = new HashSet<>();
            patch.fieldNames().forEachRemaining(keys::add);
            Set<String> target = new HashSet<>();
            patch.path("target").fieldNames().forEachRemaining(target::add);
            if (!keys.equals(Set.of("path", "target")) || !target.equals(Set.of("kind", "name"))) {
                problems.add(file + ": patches: expected {path, target: {kind, name}}, got " + patch);
            }
        }
        return problems;
    }

    /**
     * @return the base's resources with the patches, images and namespace applied
     * @throws IllegalArgumentException when a patch names no base resource
     */
    List<Manifest> render() {
        List<Manifest> resources = new ArrayList<>(ManifestFiles.base());
        for (JsonNode patch : kustomization.path("patches")) {
            String kind = patch.at("/target/kind").asText();
            String name = patch.at("/target/name").asText();
            Path file = folder.resolve(patch.path("path").asText());
            int index = indexOf(resources, kind, name);
            if (index < 0) {
                throw new IllegalArgumentException(folder.getFileName() + "/kustomization.yaml: patches: "
                        + file.getFileName() + " targets " + kind + "/" + name + ", which the base does not have");
            }
            JsonNode patched = MergePatch.apply(resources.get(index).document(), ManifestFiles.read(file).getFirst());
            resources.set(index, new Manifest(file, patched));
        }
        return resources.stream().map(this::transform).toList();
    }

    private Manifest transform(Manifest manifest) {
        ObjectNode document = manifest.document().deepCopy();
        if (kustomization.has("namespace")) {
            ((ObjectNode) document.path("metadata")).put("namespace", kustomization.get("namespace").asText());
        }
        for (JsonNode container : document.at("/spec/template/spec/containers")) {
            String image = container.path("image").asText();
            String name = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
            String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "latest";
            for (JsonNode rule : kustomization.path("images")) {
                if (rule.path("name").asText().equals(name)) {
                    ((ObjectNode) container).put("image", rule.path("newName").asText(name) + ":"
                            + rule.path("newTag").asText(tag));
                }
            }
        }
        return new Manifest(manifest.file(), document);
    }

    private static int indexOf(List<Manifest> resources, String kind, String name) {
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i).kind().equals(kind) && resources.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
