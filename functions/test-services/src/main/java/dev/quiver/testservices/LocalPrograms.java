package dev.quiver.testservices;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the tests find programs of the machine's, and keep what they install for themselves. */
final class LocalPrograms {

    private LocalPrograms() {
    }

    /** The user's cache folder: {@code $XDG_CACHE_HOME/quiver}, else {@code ~/.cache/quiver}. */
    static Path cache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("quiver");
    }

    static Optional<Path> onPath(String program) {
        return onPath(program, System.getenv("PATH"));
    }

    static Optional<Path> onPath(String program, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String folder : path.split(File.pathSeparator)) {
            Path candidate = Path.of(folder, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
