package dev.quiver.deploy.overlay;

import dev.quiver.deploy.DeployException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The named overlays under {@code knative/manifests/overlays}; an argument that is a directory is taken as is. */
public record Overlays(Path directory) {

    public Path resolve(String overlay) {
        Path asPath = Path.of(overlay);
        if (Files.isDirectory(asPath)) {
            return asPath;
        }
        Path named = directory.resolve(overlay);
        if (!overlay.contains("/") && Files.isDirectory(named)) {
            return named;
        }
        throw new DeployException("no overlay " + overlay + ": not a directory, nor one of the overlays in " + directory
                + " (" + String.join(", ", names()) + ")");
    }

    private List<String> names() {
        if (!Files.isDirectory(directory)) {
            return List.of("none");
        }
        try (Stream<Path> entries = Files.list(directory)) {
            List<String> names = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
                    .toList();
            return names.isEmpty() ? List.of("none") : names;
        } catch (IOException e) {
            return List.of("unreadable: " + e.getMessage());
        }
    }
}
