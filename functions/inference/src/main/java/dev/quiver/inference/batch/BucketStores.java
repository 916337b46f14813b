package dev.quiver.inference.batch;

import com.azure.storage.blob.BlobServiceClient;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.storage.AzureBlobObjectStore;
import dev.quiver.storage.AzureConfig;
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

/**
 * The store of each bucket a notification names: a subfolder of the storage root, a bucket in S3, or, for an Azure
 * Blob Storage notification with {@code quiver.storage.azure-notifications=azure}, a container of the Azure account.
 */
@ApplicationScoped
public class BucketStores {

    private final InferenceConfig.Storage config;
    private final S3Config s3Config;
    private final AzureConfig azureConfig;
    private final Map<String, ObjectStore> stores = new ConcurrentHashMap<>();
    private volatile S3Client s3;
    private volatile BlobServiceClient azure;

    public BucketStores(InferenceConfig config, S3Config s3Config, AzureConfig azureConfig) {
        this.config = config.storage();
        this.s3Config = s3Config;
        this.azureConfig = azureConfig;
    }

    /** The bucket {@code name} in the store of {@code provider}'s notifications. */
    public ObjectStore bucket(StorageProvider provider, String name) {
        if (name.contains("/")) {
            throw new InvalidNotificationException("bucket '" + name + "': a bucket name has no '/'");
        }
        ObjectKeys.validate(name);
        if (inAzure(provider)) {
            return stores.computeIfAbsent("azure:" + name,
                    container -> new AzureBlobObjectStore(azure().getBlobContainerClient(name), ""));
        }
        return stores.computeIfAbsent(name, bucket -> isS3()
                ? new S3ObjectStore(client(), bucket, "")
                : new FileSystemObjectStore(Path.of(config.root()).resolve(bucket)));
    }

    /** Where an object is, for events and messages: {@code s3://bucket/key}, a blob's URL or a file path. */
    public String locate(StorageProvider provider, String bucket, String key) {
        return bucket(provider, bucket).locate(key);
    }

    private boolean inAzure(StorageProvider provider) {
        return provider == StorageProvider.AZURE_BLOB
                && config.azureNotifications() == InferenceConfig.Storage.AzureContainers.AZURE;
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

    private synchronized BlobServiceClient azure() {
        if (azure == null) {
            azure = AzureBlobObjectStore.client(azureConfig.settings());
        }
        return azure;
    }

    @PreDestroy
    void close() {
        if (s3 != null) {
            s3.close();
        }
    }
}
