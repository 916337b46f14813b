package dev.quiver.storage;

import java.net.URI;
import java.util.Optional;

/**
 * How to reach an Azure Blob Storage account: a connection string, or the account with its shared key or a shared
 * access signature. Without any, requests are anonymous, which only a container open to public reads answers.
 */
public record AzureSettings(Optional<String> accountName, Optional<URI> endpoint, Optional<String> accountKey,
                            Optional<String> sasToken, Optional<String> connectionString) {

    /** The Blob service endpoint: the one set, else the account's in Azure's public cloud. */
    public String serviceEndpoint() {
        if (endpoint.isPresent()) {
            return endpoint.get().toString();
        }
        return "https://" + accountName.orElseThrow(() -> new IllegalStateException("quiver.storage.azure: set "
                + "account-name, endpoint or connection-string to reach Azure Blob Storage")) + ".blob.core.windows.net";
    }
}
