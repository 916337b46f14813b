package dev.quiver.storage;

import io.smallrye.config.ConfigMapping;
import java.net.URI;
import java.util.Optional;

/**
 * The Azure Blob Storage account of every function ({@code quiver.storage.azure.*}, also
 * {@code QUIVER_STORAGE_AZURE_*}): where the inference function reads the containers that Azure Event Grid
 * notifications name, and writes their results.
 */
@ConfigMapping(prefix = "quiver.storage.azure")
public interface AzureConfig {

    /** The storage account; its endpoint is {@code https://<account>.blob.core.windows.net} unless set. */
    Optional<String> accountName();

    /** The Blob service endpoint, for Azurite or a sovereign cloud; with Azurite it ends in the account name. */
    Optional<URI> endpoint();

    /** The account's shared key. */
    Optional<String> accountKey();

    /** A shared access signature, used when no account key is set. */
    Optional<String> sasToken();

    /** A connection string, which replaces every other setting when set. */
    Optional<String> connectionString();

    default AzureSettings settings() {
        return new AzureSettings(accountName(), endpoint(), accountKey(), sasToken(), connectionString());
    }
}
