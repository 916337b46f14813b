package dev.quiver.deploy.overlay;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The subset of a kustomization.yaml that Quiver's overlays use. Reading one refuses every other field, naming the
 * file, the field and its line, so that an overlay never means more to kubectl than it does to this tool; every
 * problem of the file is reported at once.
 */
public record Kustomization(Path file, List<String> resources, Optional<String> namespace,
        List<ImageOverride> images, List<PatchEntry> patches) {

    static final String FILE_NAME = "kustomization.yaml";
    private static final List<String> FIELDS = List.of("apiVersion", "images", "kind", "namespace", "patches",
            "resources");
    private static final List<String> IMAGE_FIELDS = List.of("name", "newName", "newTag");
    private static final List<String> PATCH_FIELDS = List.of("path", "target");
    private static final List<String> TARGET_FIELDS = List.of("kind", "name");
    private static final String UNSUPPORTED = "unsupported field (this tool renders a subset of kustomize)";

    /** Reads {@code directory/kustomization.yaml}. */
    public static Kustomization read(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new OverlayException(directory + ": no " + FILE_NAME);
        }
        try {
            ConfigFile config = ConfigFile.read(file.toString(), file);
            Optional<Kustomization> kustomization = config.root().mapping("expected a mapping").map(root ->
                    read(root, directory, file));
            config.requireValid();
            return kustomization.orElseThrow();
        } catch (InvalidConfigException e) {
            throw new OverlayException(e.getMessage(), e);
        } catch (IOException e) {
            throw new OverlayException(file + ": cannot be read: " + e.getMessage());
        }
    }

    private static Kustomization read(ConfigMapping root, Path directory, Path file) {
        root.allowOnly(FIELDS, UNSUPPORTED);
        root.get("kind").filter(kind -> !kind.asText().filter("Kustomization"::equals).isPresent())
                .ifPresent(kind -> kind.expected("Kustomization"));
        List<String> resources = list(root, "resources").stream().map(Kustomization::text)
                .flatMap(Optional::stream).toList();
        Optional<String> namespace = root.get("namespace").filter(value -> !value.isNull())
                .flatMap(Kustomization::text);
        List<ImageOverride> images = list(root, "images").stream().map(Kustomization::image)
                .flatMap(Optional::stream).toList();
        List<PatchEntry> patches = list(root, "patches").stream().map(entry -> patch(entry, directory))
                .flatMap(Optional::stream).toList();
        return new Kustomization(file, resources, namespace, images, patches);
    }

    private static Optional<ImageOverride> image(ConfigValue entry) {
        return entry.mapping("expected a mapping with name, newName, newTag").flatMap(image -> {
            image.allowOnly(IMAGE_FIELDS, UNSUPPORTED);
            Optional<String> name = image.required("name", "required").flatMap(Kustomization::text);
            String newName = image.get("newName").filter(value -> !value.isNull()).flatMap(Kustomization::text)
                    .orElse(null);
            String newTag = image.get("newTag").filter(value -> !value.isNull())
                    .flatMap(value -> value.asText().or(value::text)).orElse(null);
            return name.map(given -> new ImageOverride(given, newName, newTag));
        });
    }

    private static Optional<PatchEntry> patch(ConfigValue entry, Path directory) {
        return entry.mapping("expected a mapping with path and target").flatMap(patch -> {
            patch.allowOnly(PATCH_FIELDS, UNSUPPORTED);
            Optional<String> path = patch.required("path", "required").flatMap(Kustomization::text);
            Optional<ConfigValue> targetValue = patch.get("target");
            if (targetValue.isEmpty()) {
                entry.problem("a patch needs a target (kind and name)");
            }
            Optional<ConfigMapping> target = targetValue.flatMap(value -> value.mapping("expected a mapping with "
                    + "kind and name"));
            target.ifPresent(mapping -> mapping.allowOnly(TARGET_FIELDS, UNSUPPORTED));
            Optional<String> kind = target.flatMap(mapping -> mapping.required("kind", "required"))
                    .flatMap(Kustomization::text);
            Optional<String> name = target.flatMap(mapping -> mapping.required("name", "required"))
                    .flatMap(Kustomization::text);
            if (path.isEmpty() || kind.isEmpty() || name.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new PatchEntry(directory.resolve(path.get()), kind.get(), name.get()));
        });
    }

    /** The entries of a list field; none when it is left out or null. */
    private static List<ConfigValue> list(ConfigMapping root, String field) {
        return root.get(field).filter(value -> !value.isNull())
                .flatMap(value -> value.list("expected a list")).orElse(List.of());
    }

    private static Optional<String> text(ConfigValue value) {
        Optional<String> text = value.asText().filter(given -> !given.isBlank());
        if (text.isEmpty()) {
            value.expected("a non-empty string");
        }
        return text;
    }
}
