package dev.quiver.inference.repository;

import dev.quiver.inference.validation.ValidationSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * What identifies one content of a file cheaply: size, modification time and file key (inode where there is one).
 *
 * @param companion for a version's model file, the stamp of the files its load also reads (its
 *                  {@code validation/validation.json}), so that changing them alone reloads the version and runs its
 *                  validity gate again; null when there are none
 */
public record FileStamp(long size, long modifiedNanos, String fileKey, FileStamp companion) {

    public FileStamp(long size, long modifiedNanos, String fileKey) {
        this(size, modifiedNanos, fileKey, null);
    }

    public static FileStamp of(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(attributes.size(), attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                String.valueOf(attributes.fileKey()));
    }

    /**
     * A version's model file with its validation file as companion. A {@code validation/} folder without the file
     * counts too (the gate refuses it), as a folder stamp of size -1.
     */
    public static FileStamp ofVersion(Path modelFile) throws IOException {
        FileStamp model = of(modelFile);
        Path validation = modelFile.resolveSibling(ValidationSpec.FILE);
        FileStamp companion;
        try {
            companion = of(validation);
        } catch (NoSuchFileException e) {
            companion = Files.isDirectory(validation.getParent()) ? new FileStamp(-1, 0, "") : null;
        }
        return new FileStamp(model.size(), model.modifiedNanos(), model.fileKey(), companion);
    }
}
