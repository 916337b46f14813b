package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.quiver.deploy.overlay.Kustomization;
import dev.quiver.deploy.overlay.OverlayRenderer;
import dev.quiver.deploy.overlay.PatchEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The project's manifests under {@code knative/manifests}, read from the module's folder ({@code knative/deploy}):
 * every resource document, the overlays, and the patch files the overlays name (which are partial manifests, not
 * resources). Kustomizations are read and overlays rendered by the deploy tool itself, so the tests validate exactly
 * what {@code ./quiver deploy} applies.
 */
final class ManifestFiles {

    static final Path ROOT = Path.of("..", "manifests").toAbsolutePath().normalize();
    static final Path BASE = ROOT.resolve("base");
    static final List<Path> OVERLAYS = folders(ROOT.resolve("overlays"));
    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private ManifestFiles() {
    }

    /** Every resource document: all YAML files but kustomization.yaml and the overlays' patch files. */
    static List<Manifest> all() {
        Set<Path> patches = new HashSet<>();
        for (Path overlay : OVERLAYS) {
            for (PatchEntry patch : Kustomization.read(overlay).patches()) {
                patches.add(patch.file().normalize());
            }
        }
        List<Manifest> manifests = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (!file.getFileName().toString().equals("kustomization.yaml") && !patches.contains(file)) {
                    read(file).forEach(document -> manifests.add(new Manifest(file, document)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return manifests;
    }

    /** The base's resources, in the order its kustomization.yaml lists them. */
    static List<Manifest> base() {
        List<Manifest> manifests = new ArrayList<>();
        for (String resource : Kustomization.read(BASE).resources()) {
            Path file = BASE.resolve(resource);
            read(file).forEach(document -> manifests.add(new Manifest(file, document)));
        }
        return manifests;
    }

    /** The overlay's resources as the deploy tool renders them, each attributed to the overlay's folder. */
    static List<Manifest> rendered(Path overlay) {
        return new OverlayRenderer().render(overlay).stream()
                .map(document -> new Manifest(overlay, document))
                .toList();
    }

    /** The non-empty documents of a YAML file. */
    static List<JsonNode> read(Path file) {
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            List<JsonNode> documents = new ArrayList<>();
            YAML.readValues(parser, JsonNode.class).forEachRemaining(document -> {
                if (document != null && !document.isNull() && !document.isMissingNode()) {
                    documents.add(document);
                }
            });
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not readable YAML: " + e.getMessage(), e);
        }
    }

    /** The folders in {@code directory}, sorted: every overlay there is tested, including one added later. */
    private static List<Path> folders(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
