package dev.quiver.orchestration.builtin;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/** Artifacts on this machine: {@code file:} locations, the only ones the built-in steps read. */
public final class FileArtifacts {

    private FileArtifacts() {
    }

    /** The path of a {@code file:} location, whether a well-formed URI or a path written after {@code file:}. */
    public static Optional<Path> path(String uri) {
        if (uri == null || !uri.startsWith("file:")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(URI.create(uri)));
        } catch (IllegalArgumentException e) {
            return Optional.of(Path.of(uri.substring("file:".length()).replaceFirst("^//", "")));
        }
    }
}
