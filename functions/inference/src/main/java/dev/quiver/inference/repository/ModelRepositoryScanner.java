package dev.quiver.inference.repository;

import dev.quiver.inference.repository.RepositoryScan.ModelFolder;
import dev.quiver.inference.repository.RepositoryScan.StampedFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Lists a model repository folder: {@code <root>/<model>/<version>/model.onnx}, versions being positive integers,
 * with an optional {@code <root>/<model>/config.json} or {@code config.yaml}. Hidden entries are skipped, so a copy in
 * progress under a dot-name is never seen.
 */
public final class ModelRepositoryScanner {

    public static final String MODEL_FILE = "model.onnx";
    public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    private static final List<String> CONFIG_FILES = List.of("config.json", "config.yaml", "config.yml");

    private ModelRepositoryScanner() {
    }

    public static RepositoryScan scan(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "the model repository is not a folder");
        }
        Map<String, ModelFolder> models = new HashMap<>();
        List<String> ignored = new ArrayList<>();
        for (Path entry : list(root)) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".") || !Files.isDirectory(entry)) {
                continue;
            }
            if (!MODEL_NAME.matcher(name).matches()) {
                ignored.add(name + ": not a valid model name (letters, digits, _ . -; at most 128)");
                continue;
            }
            scanModel(entry, name, ignored).ifPresent(folder -> models.put(name, folder));
        }
        return new RepositoryScan(models, ignored);
    }

    private static Optional<ModelFolder> scanModel(Path dir, String name, List<String> ignored) {
        try {
            List<StampedFile> configs = new ArrayList<>();
            TreeMap<Long, StampedFile> versions = new TreeMap<>();
            for (Path entry : list(dir)) {
                String child = entry.getFileName().toString();
                if (child.startsWith(".")) {
                    continue;
                }
                if (CONFIG_FILES.contains(child) && Files.isRegularFile(entry)) {
                    configs.add(new StampedFile(entry, FileStamp.of(entry)));
                } else if (Files.isDirectory(entry)) {
                    if (!VERSION.matcher(child).matches()) {
                        ignored.add(name + "/" + child + ": versions are positive whole numbers");
                        continue;
                    }
                    Path model = entry.resolve(MODEL_FILE);
                    if (Files.isRegularFile(model)) {
                        versions.put(Long.parseLong(child), new StampedFile(model, FileStamp.of(model)));
                    } else {
                        ignored.add(name + "/" + child + ": no " + MODEL_FILE);
                    }
                }
            }
            configs.sort(Comparator.comparing(c -> CONFIG_FILES.indexOf(c.path().getFileName().toString())));
            if (configs.size() > 1) {
                ignored.add(name + ": both " + configs.stream().map(c -> c.path().getFileName().toString()).toList()
                        + "; using " + configs.getFirst().path().getFileName());
            }
            return Optional.of(new ModelFolder(name, configs.stream().findFirst(), versions));
        } catch (NoSuchFileException removedWhileScanning) {
            return Optional.empty();
        } catch (IOException e) {
            ignored.add(name + ": cannot be read (" + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        }
        entries.sort(null);
        return entries;
    }
}
