package dev.quiver.inference.batch;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.storage.AzureBlobObjectStore;
import dev.quiver.storage.AzureSettings;
import dev.quiver.testservices.TestAzurite;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Azure Blob Storage's emulator (Azurite, {@link TestAzurite}) with two containers of this test run's own, an input
 * and a results container, Azure notifications read from it ({@code quiver.storage.azure-notifications=azure}), the
 * digits model in a local repository, and a rule: CSV under {@code digits/} with a header and an id column.
 */
public class AzureContainers implements QuarkusTestResourceLifecycleManager {

    static volatile BlobContainerClient incoming;
    static volatile BlobContainerClient results;

    private ModelRepositoryFixture repository;

    @Override
    public Map<String, String> start() {
        TestAzurite azurite = TestAzurite.shared();
        BlobServiceClient client = AzureBlobObjectStore.client(new AzureSettings(Optional.of(azurite.accountName()),
                Optional.of(azurite.blobEndpoint()), Optional.of(azurite.accountKey()), Optional.empty(),
                Optional.empty()));
        String run = UUID.randomUUID().toString().substring(0, 8);
        incoming = client.createBlobContainer("incoming-" + run);
        results = client.createBlobContainer("results-" + run);
        try {
            repository = ModelRepositoryFixture.temporary("quiver-azure-batch").withDigits("digits", 1);
            Path rules = repository.root().resolveSibling(repository.root().getFileName() + "-rules.yaml");
            Files.writeString(rules, """
                    rules:
                      - bucket: %s
                        prefix: digits/
                        suffix: .csv
                        model: digits
                        header: true
                        id-column: id
                        output-bucket: %s
                        output-prefix: predictions
                    """.formatted(incoming.getBlobContainerName(), results.getBlobContainerName()));
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.storage.root", repository.root().resolveSibling("quiver-azure-no-buckets-" + run)
                            .toString(),
                    "quiver.storage.azure-notifications", "azure",
                    "quiver.storage.azure.account-name", azurite.accountName(),
                    "quiver.storage.azure.endpoint", azurite.blobEndpoint().toString(),
                    "quiver.storage.azure.account-key", azurite.accountKey(),
                    "quiver.batch.rules-file", rules.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Uploads a blob into the input container and answers its ETag, as Event Grid's {@code data.eTag} names it. */
    static String upload(String name, String content) {
        return incoming.getBlobClient(name).uploadWithResponse(new BlobParallelUploadOptions(
                BinaryData.fromString(content)), null, null).getValue().getETag().replace("\"", "");
    }

    @Override
    public void stop() {
        ModelRepositoryFixture.delete(repository.root());
    }
}
