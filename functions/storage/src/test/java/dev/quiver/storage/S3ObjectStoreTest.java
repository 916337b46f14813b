package dev.quiver.storage;

import java.util.Optional;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/** The same contract against a real S3-compatible server (S3Proxy), with signed requests and path-style access. */
class S3ObjectStoreTest extends ObjectStoreContract {

    @RegisterExtension
    static final S3ProxyExtension S3 = S3ProxyExtension.builder().withCredentials("quiver", "quiver-secret").build();

    private S3ObjectStore store;

    @BeforeEach
    void open() {
        S3Client client = S3ObjectStore.client(new S3Settings(Optional.of(S3.getUri()), "us-east-1",
                Optional.of(S3.getAccessKey()), Optional.of(S3.getSecretKey()), true));
        client.createBucket(request -> request.bucket("quiver-test"));
        store = new S3ObjectStore(client, "quiver-test", "tenant-a");
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
