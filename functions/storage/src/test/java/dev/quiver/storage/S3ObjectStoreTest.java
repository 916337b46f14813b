package dev.quiver.storage;

import dev.quiver.testservices.TestS3;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The same contract against a real S3-compatible server (S3Proxy, {@link TestS3}), with signed requests and path-style
 * access, each test in a bucket of its own.
 */
class S3ObjectStoreTest extends ObjectStoreContract {

    private S3ObjectStore store;

    @BeforeEach
    void open() {
        TestS3 s3 = TestS3.shared();
        S3Client client = S3ObjectStore.client(new S3Settings(Optional.of(s3.uri()), "us-east-1",
                Optional.of(s3.accessKey()), Optional.of(s3.secretKey()), true));
        String bucket = "quiver-test-" + UUID.randomUUID();
        client.createBucket(request -> request.bucket(bucket));
        store = new S3ObjectStore(client, bucket, "tenant-a");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    ObjectStore store() {
        return store;
    }
}
