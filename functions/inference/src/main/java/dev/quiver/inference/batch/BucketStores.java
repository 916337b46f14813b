package dev.quiver.inference.batch;

import dev.quiver.inference.InferenceConfig;
import dev.quiver.storage.FileSystemObjectStore;
import dev.quiver.storage.ObjectKeys;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.S3Config;
import dev.quiver.storage.S3ObjectStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.s3.S3Client;

/** The store of each bucket a notification names: a subfolder of the storage root, or a bucket in S3. */
@ApplicationScoped
public class BucketStores {

    private final InferenceConfig.Storage config;
    private final S3Config s3Config;
    private final Map<String, ObjectStore> stores = new ConcurrentHashMap<>();
    private volatile S3Client s3;

    public BucketStores(InferenceConfig config, S3Config s3Config) {
        this.config = config.storage();
        this.s3Config = s3Config;
    }

    public ObjectStore bucket(String name) {
        if (name.contains("/")) {
            throw new InvalidNotificationException("bucket '" + name + "': a bucket name has no '/'");
        }
        ObjectKeys.validate(name);
        return stores.computeIfAbsent(name, bucket -> isS3()
                ? new S3ObjectStore(client(), bucket, "")
                : new FileSystemObjectStore(Path.of(config.root()).resolve(bucket)));
    }

    /** Where an object is, for events and messages: {@code s3://bucket/key} or a file path. */
    public String locate(String bucket, String key) {
        return bucket(bucket).locate(key);
    }

    private boolean isS3() {
        return config.root().equals("s3");
    }

    private synchronized S3Client client() {
        if (s3 == null) {
            s3 = S3ObjectStore.client(s3Config.settings());
        }
        return s3;
    }

    @PreDestroy
    void close() {
        if (s3 != null) {
            s3.close();
        }
    }
}
