package dev.quiver.storage;

import java.time.Instant;

/**
 * An object as a store describes it. {@code version} changes whenever the content does: the ETag in S3, a stamp of
 * size and modification time in a folder.
 */
public record StoredObject(String key, long size, String version, Instant lastModified) {
}
