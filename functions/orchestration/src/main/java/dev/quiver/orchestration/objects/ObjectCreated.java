package dev.quiver.orchestration.objects;

/**
 * An object a notification says was created: its bucket, key and version (S3's {@code versionId}, or its
 * {@code sequencer} in a bucket without versioning; Cloud Storage's {@code generation}).
 */
public record ObjectCreated(String bucket, String key, String version) {
}
