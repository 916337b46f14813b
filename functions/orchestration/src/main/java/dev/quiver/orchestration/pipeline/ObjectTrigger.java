package dev.quiver.orchestration.pipeline;

/**
 * Which new objects start a run of the pipeline ({@code on-object}): those created in {@code bucket} whose key starts
 * with {@code prefix} and ends with {@code suffix} (each empty when not given).
 */
public record ObjectTrigger(String bucket, String prefix, String suffix) {

    public boolean matches(String objectBucket, String key) {
        return bucket.equals(objectBucket) && key.startsWith(prefix) && key.endsWith(suffix);
    }
}
