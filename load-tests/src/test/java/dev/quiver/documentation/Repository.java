package dev.quiver.documentation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The repository the tests run in: its root and the Markdown files it holds, build output and tools' folders left out. */
final class Repository {

    private static final Set<String> NOT_SOURCES = Set.of("target", "node_modules");

    private Repository() {
    }

    /** The root: the first folder upwards from the working directory with the launcher and the parent pom. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("quiver")) && Files.isRegularFile(dir.resolve("pom.xml"))
                    && Files.isRegularFile(dir.resolve("README.md"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (a folder with quiver, pom.xml and README.md) above "
                + Path.of("").toAbsolutePath());
    }

    /** Every {@code .md} file under {@code root}, outside build output and hidden folders, in path order. */
    static List<Path> markdownFiles(Path root) {
        return files(root, name -> name.endsWith(".md"));
    }

    /** The files whose name {@code fileName} accepts, outside build output and hidden folders, in path order. */
    static List<Path> files(Path root, Predicate<String> fileName) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(file -> fileName.test(file.getFileName().toString()))
                    .filter(file -> Files.isRegularFile(file))
                    .filter(file -> isSource(root.relativize(file)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** The files named {@code README.md}. */
    static List<Path> readmes(Path root) {
        return markdownFiles(root).stream().filter(file -> file.getFileName().toString().equals("README.md")).toList();
    }

    private static boolean isSource(Path relative) {
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            String name = relative.getName(i).toString();
            if (name.startsWith(".") || NOT_SOURCES.contains(name)) {
                return false;
            }
        }
        return true;
    }
}
