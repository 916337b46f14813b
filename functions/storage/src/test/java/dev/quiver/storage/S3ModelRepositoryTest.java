package dev.quiver.storage;

import dev.quiver.testservices.TestS3;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The same against a real S3-compatible server (S3Proxy, {@link TestS3}), under a prefix, as
 * {@code s3://<bucket>/repository}, each test in a bucket of its own.
 */
class S3ModelRepositoryTest extends ModelRepositoryContract {

    private ObjectStore store;

    @BeforeEach
    void open() {
        TestS3 s3 = TestS3.shared();
        S3Settings settings = new S3Settings(Optional.of(s3.uri()), "us-east-1", Optional.of(s3.accessKey()),
                Optional.of(s3.secretKey()), true);
        String bucket = "models-" + UUID.randomUUID();
        try (S3Client client = S3ObjectStore.client(settings)) {
            client.createBucket(request -> request.bucket(bucket));
        }
        store = ObjectStores.open("s3://" + bucket + "/repository", settings);
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
