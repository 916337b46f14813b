package dev.quiver.inference.batch;

import java.util.Optional;

/**
 * Which objects go to which model: those in {@code bucket} whose key starts with {@code prefix} and ends with
 * {@code suffix}, read as {@code format}. Results go to {@code outputBucket} under {@code outputPrefix}. An object
 * larger than {@code shardSize} is split into shards that many replicas run at once.
 */
public record BatchRule(String bucket, String prefix, String suffix, String model, Optional<String> version,
                        InputFormat format, boolean header, Optional<String> idColumn, String outputBucket,
                        String outputPrefix, Optional<ShardSize> shardSize) {

    public boolean matches(ObjectCreated object) {
        return object.bucket().equals(bucket) && object.key().startsWith(prefix) && object.key().endsWith(suffix)
                && !object.key().startsWith(outputPrefix + "/");
    }
}
