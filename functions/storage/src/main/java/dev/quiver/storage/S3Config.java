package dev.quiver.storage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.Optional;

/**
 * The S3-compatible store of every function ({@code quiver.storage.s3.*}, also {@code QUIVER_STORAGE_S3_*}): where the
 * inference function reads buckets and an {@code s3://} model repository, and where the orchestration function
 * publishes models into one.
 */
@ConfigMapping(prefix = "quiver.storage.s3")
public interface S3Config {

    /** For stores other than AWS (MinIO, Ceph, ...); AWS when unset. */
    Optional<URI> endpoint();

    @WithDefault("us-east-1")
    String region();

    /** Static keys; the AWS SDK's default credential chain when unset. */
    Optional<String> accessKey();

    Optional<String> secretKey();

    /** Path-style addressing, which most self-hosted stores want. */
    @WithDefault("false")
    boolean pathStyle();

    default S3Settings settings() {
        return new S3Settings(endpoint(), region(), accessKey(), secretKey(), pathStyle());
    }
}
