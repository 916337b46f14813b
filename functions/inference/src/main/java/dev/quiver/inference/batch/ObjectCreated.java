package dev.quiver.inference.batch;

/**
 * An object-created notification, whatever its source: the bucket, the key (decoded), and the version that makes
 * the object's identity (S3 ETag, GCS generation, Azure ETag), empty when the notification carries none, and whose
 * notification it was.
 */
public record ObjectCreated(String bucket, String key, String version, long size, StorageProvider provider) {
}
