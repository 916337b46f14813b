package dev.quiver.storage;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Objects in a container of Azure Blob Storage (or Azurite), under an optional prefix, through the Azure SDK with the
 * JDK's HTTP client. An upload is committed whole (a single Put Blob, or a block list committed at once), so readers
 * see the old blob or the whole new one. The version is the blob's ETag, as Event Grid's {@code data.eTag} names it.
 */
public final class AzureBlobObjectStore implements ObjectStore {

    private final BlobContainerClient container;
    private final String prefix;

    public AzureBlobObjectStore(BlobContainerClient container, String prefix) {
        this.container = container;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        if (!this.prefix.isEmpty()) {
            ObjectKeys.validatePrefix(this.prefix);
        }
    }

    public static BlobServiceClient client(AzureSettings settings) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .httpClient(new JdkHttpClientBuilder().build());
        if (settings.connectionString().isPresent()) {
            return builder.connectionString(settings.connectionString().get()).buildClient();
        }
        builder.endpoint(settings.serviceEndpoint());
        if (settings.accountKey().isPresent()) {
            String account = settings.accountName().orElseThrow(() -> new IllegalStateException(
                    "quiver.storage.azure.account-key: the key of which account? Set account-name too"));
            builder.credential(new StorageSharedKeyCredential(account, settings.accountKey().get()));
        } else {
            settings.sasToken().ifPresent(builder::sasToken);
        }
        return builder.buildClient();
    }

    @Override
    public String location() {
        return container.getBlobContainerUrl() + "/" + prefix;
    }

    @Override
    public Optional<StoredObject> head(String key) {
        BlobClient blob = blob(key);
        try {
            BlobProperties properties = blob.getProperties();
            return Optional.of(new StoredObject(key, properties.getBlobSize(), unquoted(properties.getETag()),
                    instant(properties.getLastModified())));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw failure("head", key, e);
        } catch (RuntimeException e) {
            throw failure("head", key, e);
        }
    }

    @Override
    public InputStream open(String key) {
        BlobClient blob = blob(key);
        try {
            return blob.openInputStream();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                throw new NoSuchObjectException("no object " + key + " in " + location());
            }
            throw failure("read", key, e);
        } catch (RuntimeException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public StoredObject put(String key, Path content, String contentType) {
        return write(key, content, contentType, false).orElseThrow();
    }

    /**
     * A conditional upload ({@code If-None-Match: *}): the service refuses it with 409 {@code BlobAlreadyExists} (412
     * from some emulators) when the blob exists, and for a block list committed at once, at the commit.
     */
    @Override
    public Optional<StoredObject> putIfAbsent(String key, Path content, String contentType) {
        return write(key, content, contentType, true);
    }

    private Optional<StoredObject> write(String key, Path content, String contentType, boolean ifAbsent) {
        BlobClient blob = blob(key);
        BlobUploadFromFileOptions options = new BlobUploadFromFileOptions(content.toString())
                .setHeaders(new BlobHttpHeaders().setContentType(contentType));
        if (ifAbsent) {
            options.setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
        }
        try {
            Response<BlockBlobItem> response = blob.uploadFromFileWithResponse(options, null, Context.NONE);
            BlockBlobItem item = response.getValue();
            return Optional.of(new StoredObject(key, content.toFile().length(), unquoted(item.getETag()),
                    instant(item.getLastModified())));
        } catch (BlobStorageException e) {
            if (ifAbsent && (e.getStatusCode() == 409 || e.getStatusCode() == 412)) {
                return Optional.empty();
            }
            throw failure("write", key, e);
        } catch (RuntimeException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        ObjectKeys.validatePrefix(keyPrefix);
        List<StoredObject> objects = new ArrayList<>();
        try {
            for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + keyPrefix), null)) {
                if (Boolean.TRUE.equals(item.isPrefix())) {
                    continue;
                }
                objects.add(new StoredObject(item.getName().substring(prefix.length()),
                        item.getProperties().getContentLength(), unquoted(item.getProperties().getETag()),
                        instant(item.getProperties().getLastModified())));
            }
        } catch (RuntimeException e) {
            throw failure("list", keyPrefix, e);
        }
        return objects;
    }

    @Override
    public void delete(String key) {
        BlobClient blob = blob(key);
        try {
            blob.deleteIfExists();
        } catch (RuntimeException e) {
            throw failure("delete", key, e);
        }
    }

    private BlobClient blob(String key) {
        return container.getBlobClient(prefix + ObjectKeys.validate(key));
    }

    private ObjectStoreException failure(String operation, String key, RuntimeException e) {
        String reason = e instanceof BlobStorageException storage ? storage.getStatusCode() + " "
                + storage.getErrorCode() : e.getMessage();
        return new ObjectStoreException("cannot " + operation + " " + key + " in " + location() + ": " + reason, e);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static String unquoted(String etag) {
        return etag == null ? "" : etag.replace("\"", "");
    }
}
