package dev.quiver.storage;

import com.azure.storage.blob.BlobContainerClient;
import dev.quiver.testservices.RequiresAzurite;
import dev.quiver.testservices.TestAzurite;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;

/**
 * The same contract against Azure Blob Storage's emulator (Azurite, {@link TestAzurite}), with shared-key signed
 * requests, each test in a container of its own.
 */
@RequiresAzurite
class AzureBlobObjectStoreTest extends ObjectStoreContract {

    private AzureBlobObjectStore store;

    @BeforeEach
    void open() {
        TestAzurite azurite = TestAzurite.shared();
        BlobContainerClient container = AzureBlobObjectStore.client(new AzureSettings(
                Optional.of(azurite.accountName()), Optional.of(azurite.blobEndpoint()),
                Optional.of(azurite.accountKey()), Optional.empty(), Optional.empty()))
                .createBlobContainer("quiver-test-" + UUID.randomUUID());
        store = new AzureBlobObjectStore(container, "tenant-a");
    }

    @Override
    ObjectStore store() {
        return store;
    }
}
