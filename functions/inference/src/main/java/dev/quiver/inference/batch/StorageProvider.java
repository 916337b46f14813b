package dev.quiver.inference.batch;

/**
 * Whose notification named an object: S3's shape (Amazon S3, MinIO, EventBridge, TriggerMesh), Cloud Storage's or
 * Azure Blob Storage's. It decides which store the object is read from and its results written to
 * ({@link BucketStores}).
 */
public enum StorageProvider {
    S3, CLOUD_STORAGE, AZURE_BLOB
}
