package dev.quiver.inference.repository;

import dev.quiver.inference.repository.RepositoryScan.ModelFolder;
import dev.quiver.inference.repository.RepositoryScan.StampedFile;
import dev.quiver.storage.ModelRepositoryLayout;
import dev.quiver.storage.ModelRepositoryListing;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Looks at a model repository folder ({@link ModelRepositoryLayout}) and stamps the files that count, so that a file
 * being written can be told from one that is done. Symbolic links are followed, as a mounted volume may use them.
 */
public final class ModelRepositoryScanner {

    /** Deep enough for {@code <model>/<version>/model.onnx}. */
    private static final int DEPTH = 3;

    private ModelRepositoryScanner() {
    }

    public static RepositoryScan scan(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "the model repository is not a folder");
        }
        List<String> ignored = new ArrayList<>();
        ModelRepositoryListing listing = ModelRepositoryLayout.read(keys(root, ignored));
        ignored.addAll(0, listing.ignored());
        Map<String, ModelFolder> models = new HashMap<>();
        for (ModelRepositoryListing.Model model : listing.models().values()) {
            stamped(root, model, ignored).ifPresent(folder -> models.put(model.name(), folder));
        }
        return new RepositoryScan(models, ignored);
    }

    /**
     * The folder's entries as the layout reads them: files, and folders with a trailing '/'. Entries under a dot-name
     * are not visited; one that cannot be read is reported, unless it was removed while the folder was looked at.
     */
    private static List<String> keys(Path root, List<String> ignored) throws IOException {
        List<String> keys = new ArrayList<>();
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), DEPTH, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                if (hidden(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                keys.add(key(root, dir) + "/");
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (!hidden(file) && (attributes.isRegularFile() || attributes.isDirectory())) {
                    keys.add(key(root, file) + (attributes.isDirectory() ? "/" : ""));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(root)) {
                    throw e;
                }
                if (!(e instanceof NoSuchFileException) && !hidden(file)) {
                    ignored.add(key(root, file) + ": cannot be read (" + e.getMessage() + ")");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return keys;
    }

    /** The model's configuration and versions with their stamps; empty when its files went away meanwhile. */
    private static Optional<ModelFolder> stamped(Path root, ModelRepositoryListing.Model model, List<String> ignored) {
        try {
            Optional<StampedFile> config = Optional.empty();
            if (model.config().isPresent()) {
                config = Optional.of(stamp(root.resolve(model.config().get())));
            }
            Optional<StampedFile> routing = Optional.empty();
            if (model.routing().isPresent()) {
                routing = Optional.of(stamp(root.resolve(model.routing().get())));
            }
            TreeMap<Long, StampedFile> versions = new TreeMap<>();
            for (Map.Entry<Long, String> version : model.versions().entrySet()) {
                Path file = root.resolve(version.getValue());
                versions.put(version.getKey(), new StampedFile(file, FileStamp.ofVersion(file)));
            }
            return Optional.of(new ModelFolder(model.name(), config, versions, routing));
        } catch (NoSuchFileException removedWhileScanning) {
            return Optional.empty();
        } catch (IOException e) {
            ignored.add(model.name() + ": cannot be read (" + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    private static StampedFile stamp(Path file) throws IOException {
        return new StampedFile(file, FileStamp.of(file));
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static String key(Path root, Path path) {
        return root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
    }
}
