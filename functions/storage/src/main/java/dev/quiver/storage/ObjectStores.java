package dev.quiver.storage;

import java.net.URI;
import java.nio.file.Path;

/** Opens the store a location names: {@code s3://bucket[/prefix]} or a folder path. */
public final class ObjectStores {

    private ObjectStores() {
    }

    public static boolean isS3(String location) {
        return location.startsWith("s3://");
    }

    public static ObjectStore open(String location, S3Settings s3) {
        if (!isS3(location)) {
            return new FileSystemObjectStore(Path.of(location));
        }
        URI uri = URI.create(location);
        String bucket = uri.getHost();
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("'" + location + "': expected s3://bucket or s3://bucket/prefix");
        }
        String prefix = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        return new S3ObjectStore(S3ObjectStore.client(s3), bucket, prefix);
    }
}
