package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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
 * resources).
 */
final class ManifestFiles {

    static final Path ROOT = Path.of("..", "manifests").toAbsolutePath().normalize();
    static final Path BASE = ROOT.resolve("base");
    static final List<Path> OVERLAYS = List.of(ROOT.resolve("overlays/local"), ROOT.resolve("overlays/production"));
    static final ObjectMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private ManifestFiles() {
    }

    /** Every resource document: all YAML files but kustomization.yaml and the overlays' patch files. */
    static List<Manifest> all() {
        Set<Path> patches = new HashSet<>();
        for (Path overlay : OVERLAYS) {
            for (JsonNode patch : read(overlay.resolve("kustomization.yaml")).getFirst().path("patches")) {
                patches.add(overlay.resolve(patch.path("path").asText()).normalize());
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
        for (JsonNode resource : read(BASE.resolve("kustomization.yaml")).getFirst().path("resources")) {
            Path file = BASE.resolve(resource.asText());
            read(file).forEach(document -> manifests.add(new Manifest(file, document)));
        }
        return manifests;
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
}
