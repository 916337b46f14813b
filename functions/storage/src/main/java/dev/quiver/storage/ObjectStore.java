package dev.quiver.storage;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Objects under one root: a local folder or a bucket and prefix of an S3-compatible store. Keys are relative to the
 * root and validated ({@link ObjectKeys}). A write is all or nothing: readers see the old object or the whole new
 * one, never a part.
 */
public interface ObjectStore extends AutoCloseable {

    /** Where the root is, for messages: a folder path or {@code s3://bucket/prefix}. */
    String location();

    /** Where an object is, for events and messages: {@code s3://bucket/prefix/key} or a file path. */
    default String locate(String key) {
        String root = location();
        return root.endsWith("/") ? root + key : root + "/" + key;
    }

    Optional<StoredObject> head(String key);

    /** The content as a stream, read as it arrives; the caller closes it. */
    InputStream open(String key);

    /**
     * The bytes {@code from} (inclusive) to {@code to} (exclusive) of the content, fewer when it ends sooner, read
     * as they arrive; the caller closes the stream. Stores read only the range (an S3 ranged GET, a file seek, an
     * Azure range read); this default skips to it.
     *
     * @throws NoSuchObjectException when there is no object
     */
    default InputStream open(String key, long from, long to) {
        requireRange(key, from, to);
        InputStream in = open(key);
        try {
            in.skipNBytes(from);
        } catch (EOFException e) {
            return InputStream.nullInputStream();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + " from byte " + from + ": " + e.getMessage(), e);
        }
        return new ByteRangeStream(in, to - from);
    }

    /**
     * Stores the contents of {@code sources}, one after another, under {@code target}, replacing what was there, as
     * {@link #put} does. This default streams them through a temporary file; a store that can join objects where they
     * are does so without the bytes passing through here.
     *
     * @throws NoSuchObjectException when a source does not exist
     */
    default StoredObject concatenate(List<String> sources, String target, String contentType) {
        Path joined = null;
        try {
            joined = Files.createTempFile("quiver-concatenate", ".part");
            try (OutputStream out = Files.newOutputStream(joined)) {
                for (String source : sources) {
                    try (InputStream in = open(source)) {
                        in.transferTo(out);
                    }
                }
            }
            return put(target, joined, contentType);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot join " + sources.size() + " objects into " + target + ": "
                    + e.getMessage(), e);
        } finally {
            if (joined != null) {
                joined.toFile().delete();
            }
        }
    }

    /** @throws IllegalArgumentException when the range is not {@code 0 <= from <= to} */
    static void requireRange(String key, long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("range of " + key + ": expected 0 <= from <= to, got " + from + " to "
                    + to);
        }
    }

    /** Stores the file's content under {@code key}, replacing what was there, and describes the result. */
    StoredObject put(String key, Path content, String contentType);

    /**
     * Stores the file's content under {@code key} only if no object is there, atomically: of several writers racing
     * for one key with different content, across processes and machines, exactly one wins. A write the client sent
     * again, refused because its first attempt wrote the object, is known for the writer's own by the object holding
     * its content: writers of the same content may each be told they won, over the same object.
     *
     * @return the object written, or empty when an object was already there (it is left as it was)
     */
    Optional<StoredObject> putIfAbsent(String key, Path content, String contentType);

    /**
     * Replaces the object under {@code key} with the file's content only if the object is still the one read, at
     * {@code version} ({@link StoredObject#version()}), atomically: of several writers that read one version and race
     * to replace it with other content, across processes and machines, exactly one wins (compare-and-set).
     *
     * @return the object written, or empty when the object is gone or another version is there (it is left as it was)
     */
    Optional<StoredObject> putIfMatch(String key, Path content, String contentType, String version);

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<StoredObject> list(String prefix);

    void delete(String key);

    @Override
    default void close() {
    }
}
