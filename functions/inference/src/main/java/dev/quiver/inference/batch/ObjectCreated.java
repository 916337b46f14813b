package dev.quiver.inference.batch;

/**
 * An object-created notification, whatever its source: the bucket, the key (decoded), and the version that makes
 * the object's identity (S3 ETag, GCS generation), empty when the notification carries none.
 */
public record ObjectCreated(String bucket, String key, String version, long size) {
}
