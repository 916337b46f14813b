package dev.quiver.inference.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * When each version was trained: {@code trained_at} of the {@code baseline.json} beside its {@code model.onnx}, which
 * the training side writes (the rest of the file is the drift check's). Read again only when the file changes; a
 * version without the file, or whose file has no readable {@code trained_at}, has no known training time.
 */
final class TrainingTimes {

    static final String BASELINE_FILE = "baseline.json";
    private static final Logger LOG = Logger.getLogger(TrainingTimes.class);

    private final Path root;
    private final ObjectMapper mapper;
    private final Map<Path, Read> reads = new ConcurrentHashMap<>();

    TrainingTimes(Path root, ObjectMapper mapper) {
        this.root = root;
        this.mapper = mapper;
    }

    Optional<Instant> trainedAt(String model, long version) {
        Path file = root.resolve(model).resolve(Long.toString(version)).resolve(BASELINE_FILE);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            reads.remove(file);
            return Optional.empty();
        }
        String stamp = attributes.lastModifiedTime().toMillis() + "/" + attributes.size();
        Read read = reads.get(file);
        if (read == null || !read.stamp().equals(stamp)) {
            read = new Read(stamp, parse(file, model, version));
            reads.put(file, read);
        }
        return Optional.ofNullable(read.trainedAt());
    }

    /** Forgets the files of versions no longer served. */
    void retain(Set<String> modelVersions) {
        reads.keySet().removeIf(file -> !modelVersions.contains(file.getParent().getParent().getFileName() + "/"
                + file.getParent().getFileName()));
    }

    private Instant parse(Path file, String model, long version) {
        try {
            JsonNode trainedAt = mapper.readTree(file.toFile()).path("trained_at");
            if (!trainedAt.isTextual()) {
                LOG.warnf("model %s version %d: %s has no trained_at; its age since training is unknown", model,
                        version, BASELINE_FILE);
                return null;
            }
            return Instant.parse(trainedAt.asText());
        } catch (IOException | DateTimeParseException e) {
            LOG.warnf("model %s version %d: %s: trained_at cannot be read (%s); its age since training is unknown",
                    model, version, BASELINE_FILE, e.getMessage());
            return null;
        }
    }

    private record Read(String stamp, Instant trainedAt) {

        Read {
            Objects.requireNonNull(stamp);
        }
    }
}
