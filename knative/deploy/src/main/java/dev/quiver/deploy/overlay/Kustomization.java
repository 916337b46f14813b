package dev.quiver.deploy.overlay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The subset of a kustomization.yaml that Quiver's overlays use. Reading one refuses every other field, naming the
 * file and the field, so that an overlay never means more to kubectl than it does to this tool.
 */
public record Kustomization(Path file, List<String> resources, Optional<String> namespace,
        List<ImageOverride> images, List<PatchEntry> patches) {

    static final String FILE_NAME = "kustomization.yaml";
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "namespace", "images",
            "patches");
    private static final Set<String> IMAGE_FIELDS = Set.of("name", "newName", "newTag");
    private static final Set<String> PATCH_FIELDS = Set.of("path", "target");
    private static final Set<String> TARGET_FIELDS = Set.of("kind", "name");

    /** Reads {@code directory/kustomization.yaml}. */
    public static Kustomization read(Path directory, YAMLMapper yaml) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new OverlayException(directory + ": no " + FILE_NAME);
        }
        JsonNode root;
        try {
            root = yaml.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new OverlayException(file + ": not readable YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new OverlayException(file + ": cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new OverlayException(file + ": not a YAML mapping");
        }
        Fields fields = new Fields(file);
        fields.allowOnly(root, "", FIELDS);
        fields.expectValue(root, "kind", "Kustomization");
        List<String> resources = new ArrayList<>();
        for (JsonNode entry : fields.list(root, "resources")) {
            resources.add(fields.text(entry, "resources[" + resources.size() + "]"));
        }
        Optional<String> namespace = root.hasNonNull("namespace")
                ? Optional.of(fields.text(root.get("namespace"), "namespace"))
                : Optional.empty();
        List<ImageOverride> images = new ArrayList<>();
        for (JsonNode entry : fields.list(root, "images")) {
            String at = "images[" + images.size() + "]";
            fields.allowOnly(entry, at, IMAGE_FIELDS);
            String newName = entry.hasNonNull("newName") ? fields.text(entry.get("newName"), at + ".newName") : null;
            String newTag = entry.hasNonNull("newTag") ? entry.get("newTag").asText() : null;
            images.add(new ImageOverride(fields.required(entry, at, "name"), newName, newTag));
        }
        List<PatchEntry> patches = new ArrayList<>();
        for (JsonNode entry : fields.list(root, "patches")) {
            String at = "patches[" + patches.size() + "]";
            fields.allowOnly(entry, at, PATCH_FIELDS);
            String path = fields.required(entry, at, "path");
            if (!entry.has("target")) {
                throw new OverlayException(file + ": " + at + ": a patch needs a target (kind and name)");
            }
            JsonNode target = entry.get("target");
            fields.allowOnly(target, at + ".target", TARGET_FIELDS);
            patches.add(new PatchEntry(directory.resolve(path), fields.required(target, at + ".target", "kind"),
                    fields.required(target, at + ".target", "name")));
        }
        return new Kustomization(file, List.copyOf(resources), namespace, List.copyOf(images), List.copyOf(patches));
    }

    /** Field checks whose errors name the file and the field's path in it. */
    private record Fields(Path file) {

        void allowOnly(JsonNode node, String at, Set<String> allowed) {
            if (!node.isObject()) {
                throw new OverlayException(file + ": " + (at.isEmpty() ? "the file" : at) + " must be a mapping");
            }
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    throw new OverlayException(file + ": unsupported field \"" + (at.isEmpty() ? "" : at + ".") + name
                            + "\" (this tool renders only " + String.join(", ", allowed.stream().sorted().toList())
                            + ")");
                }
            }
        }

        void expectValue(JsonNode node, String field, String expected) {
            if (node.has(field) && !expected.equals(node.get(field).asText())) {
                throw new OverlayException(file + ": " + field + " must be " + expected + ", is " + node.get(field));
            }
        }

        List<JsonNode> list(JsonNode node, String field) {
            if (!node.hasNonNull(field)) {
                return List.of();
            }
            if (!node.get(field).isArray()) {
                throw new OverlayException(file + ": " + field + " must be a list");
            }
            List<JsonNode> entries = new ArrayList<>();
            node.get(field).forEach(entries::add);
            return entries;
        }

        String required(JsonNode node, String at, String field) {
            if (!node.hasNonNull(field)) {
                throw new OverlayException(file + ": " + at + "." + field + " is missing");
            }
            return text(node.get(field), at + "." + field);
        }

        String text(JsonNode node, String at) {
            if (!node.isTextual() || node.asText().isBlank()) {
                throw new OverlayException(file + ": " + at + " must be a non-empty string, is " + node);
            }
            return node.asText();
        }
    }
}
