package dev.quiver.storage;

import java.util.Optional;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/** The same against a real S3-compatible server (S3Proxy), under a prefix, as {@code s3://models/repository}. */
class S3ModelRepositoryTest extends ModelRepositoryContract {

    @RegisterExtension
    static final S3ProxyExtension S3 = S3ProxyExtension.builder().withCredentials("quiver", "quiver-secret").build();

    private ObjectStore store;

    @BeforeEach
    void open() {
        S3Settings settings = new S3Settings(Optional.of(S3.getUri()), "us-east-1", Optional.of(S3.getAccessKey()),
                Optional.of(S3.getSecretKey()), true);
        try (S3Client client = S3ObjectStore.client(settings)) {
            client.createBucket(request -> request.bucket("models"));
        }
        store = ObjectStores.open("s3://models/repository", settings);
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
