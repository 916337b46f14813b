package dev.quiver.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Objects as files under a folder, the embedded default. A write goes to a hidden temporary file beside its target
 * and is moved into place atomically, so a crash leaves the old object or none, never half of the new one; such
 * temporary files are not objects.
 */
public final class FileSystemObjectStore implements ObjectStore {

    private static final String TEMPORARY = ".quiver-tmp-";
    /** The threads of this process take turns on a lock file before one of them takes the OS lock on it. */
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public FileSystemObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public Optional<StoredObject> head(String key) {
        Path file = resolve(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.isRegularFile() ? Optional.of(describe(key, attributes)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String key) {
        Path file = resolve(key);
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException("no object " + key + " in " + root);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Seeks to {@code from}: nothing before it is read. */
    @Override
    public InputStream open(String key, long from, long to) {
        ObjectStore.requireRange(key, from, to);
        Path file = resolve(key);
        try {
            SeekableByteChannel channel = Files.newByteChannel(file);
            channel.position(from);
            return new ByteRangeStream(Channels.newInputStream(channel), to - from);
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException("no object " + key + " in " + root);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public StoredObject put(String key, Path content, String contentType) {
        Path target = resolve(key);
        return staged(key, target, content, temporary -> {
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        }).orElseThrow();
    }

    /** A hard link fails atomically when the name exists, where a rename would replace it. */
    @Override
    public Optional<StoredObject> putIfAbsent(String key, Path content, String contentType) {
        Path target = resolve(key);
        return staged(key, target, content, temporary -> {
            try {
                Files.createLink(target, temporary);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        });
    }

    /**
     * Under a lock on a hidden lock file beside the object, held by one process at a time (an OS file lock) and one
     * thread of this process: reads the object's version, and moves the new content into place only when it is the
     * one given. A replacement that would keep the stamp (same size, same millisecond) is stamped a millisecond later,
     * so that every replacement is a new version.
     */
    @Override
    public Optional<StoredObject> putIfMatch(String key, Path content, String contentType, String version) {
        Path target = resolve(key);
        Path lockFile = target.resolveSibling(TEMPORARY + "lock-" + target.getFileName());
        ReentrantLock local = LOCKS.computeIfAbsent(lockFile, file -> new ReentrantLock());
        local.lock();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            Optional<StoredObject> current = head(key);
            if (current.isEmpty() || !current.get().version().equals(version)) {
                return Optional.empty();
            }
            FileTime before = Files.getLastModifiedTime(target);
            return staged(key, target, content, temporary -> {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (Files.size(target) == current.get().size()
                        && Files.getLastModifiedTime(target).toMillis() <= before.toMillis()) {
                    Files.setLastModifiedTime(target, FileTime.fromMillis(before.toMillis() + 1));
                }
                return true;
            });
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot lock " + lockFile + " to replace " + key + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    private interface Publish {
        boolean publish(Path temporary) throws IOException;
    }

    /** Copies the content next to the target, lets {@code publish} put it in place, and cleans up. */
    private Optional<StoredObject> staged(String key, Path target, Path content, Publish publish) {
        Path temporary = null;
        try {
            Files.createDirectories(target.getParent());
            temporary = Files.createTempFile(target.getParent(), TEMPORARY, ".part");
            Files.copy(content, temporary, StandardCopyOption.REPLACE_EXISTING);
            if (!publish.publish(temporary)) {
                return Optional.empty();
            }
            return Optional.of(describe(key, Files.readAttributes(target, BasicFileAttributes.class)));
        } catch (IOException e) {
            throw new ObjectStoreException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // a leftover temporary file is not an object and is overwritten by name never
                }
            }
        }
    }

    @Override
    public List<StoredObject> list(String prefix) {
        ObjectKeys.validatePrefix(prefix);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<StoredObject> objects = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    String key = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                    if (attributes.isRegularFile() && key.startsWith(prefix)
                            && !file.getFileName().toString().startsWith(TEMPORARY)) {
                        objects.add(describe(key, attributes));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    // a writer's temporary file or a deleted object may vanish between the listing and its stat
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new ObjectStoreException("cannot list " + root + ": " + e.getMessage(), e);
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(String key) {
        Path file = resolve(key);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    private Path resolve(String key) {
        Path file = root.resolve(ObjectKeys.validate(key)).normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException("object key '" + key + "' leads outside " + root);
        }
        return file;
    }

    private static StoredObject describe(String key, BasicFileAttributes attributes) {
        String version = Long.toHexString(attributes.size()) + "-"
                + Long.toHexString(attributes.lastModifiedTime().toMillis());
        return new StoredObject(key, attributes.size(), version, attributes.lastModifiedTime().toInstant());
    }
}
