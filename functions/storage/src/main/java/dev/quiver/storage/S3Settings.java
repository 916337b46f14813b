package dev.quiver.storage;

import java.net.URI;
import java.util.Optional;

/**
 * How to reach an S3-compatible store. Without an endpoint it is AWS itself; without keys the AWS SDK's default
 * credential chain applies (environment, profile, web identity, instance role). MinIO, Ceph and most self-hosted
 * stores want path-style access.
 */
public record S3Settings(Optional<URI> endpoint, String region, Optional<String> accessKey,
                         Optional<String> secretKey, boolean pathStyle) {
}
