package dev.quiver.storage;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelineSyncPolicy;
import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

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
        return client(settings, new JdkHttpClientBuilder().build());
    }

    static BlobServiceClient client(AzureSettings settings, HttpClient http) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().httpClient(http)
                .addPolicy(new AttemptCounter());
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

    /** A ranged read ({@code x-ms-range}): only the range crosses the network. */
    @Override
    public InputStream open(String key, long from, long to) {
        ObjectStore.requireRange(key, from, to);
        if (from == to) {
            head(key).orElseThrow(() -> new NoSuchObjectException("no object " + key + " in " + location()));
            return InputStream.nullInputStream();
        }
        BlobClient blob = blob(key);
        try {
            return blob.openInputStream(new BlobInputStreamOptions().setRange(new BlobRange(from, to - from)));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                throw new NoSuchObjectException("no object " + key + " in " + location());
            }
            if (e.getStatusCode() == 416) {
                return InputStream.nullInputStream();
            }
            throw failure("read", key, e);
        } catch (RuntimeException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public StoredObject put(String key, Path content, String contentType) {
        return write(key, content, contentType, null).orElseThrow();
    }

    /**
     * A conditional upload ({@code If-None-Match: *}): the service refuses it with 409 {@code BlobAlreadyExists} (412
     * from some emulators) when the blob exists, and for a block list committed at once, at the commit. The blob
     * carries its content's MD5, so that an upload the SDK sent again, refused because its first attempt wrote the
     * blob, still knows the blob is its own.
     */
    @Override
    public Optional<StoredObject> putIfAbsent(String key, Path content, String contentType) {
        return write(key, content, contentType, "*");
    }

    /**
     * A conditional upload ({@code If-Match: <etag>}): the service refuses it with 412 when the blob has another ETag
     * and with 404 when it is gone. Every upload gets a new ETag, so of writers that read one version exactly one wins.
     */
    @Override
    public Optional<StoredObject> putIfMatch(String key, Path content, String contentType, String version) {
        return write(key, content, contentType, version);
    }

    /** @param condition {@code *}: only where nothing is; an ETag: only over that version; null: unconditionally */
    private Optional<StoredObject> write(String key, Path content, String contentType, String condition) {
        BlobClient blob = blob(key);
        BlobHttpHeaders headers = new BlobHttpHeaders().setContentType(contentType);
        BlobUploadFromFileOptions options = new BlobUploadFromFileOptions(content.toString()).setHeaders(headers);
        AtomicInteger attempts = new AtomicInteger();
        boolean conditional = condition != null;
        byte[] md5 = null;
        if (conditional) {
            md5 = md5(content);
            headers.setContentMd5(md5);
            options.setRequestConditions("*".equals(condition) ? new BlobRequestConditions().setIfNoneMatch("*")
                    : new BlobRequestConditions().setIfMatch('"' + condition + '"'));
        }
        try {
            Response<BlockBlobItem> response = blob.uploadFromFileWithResponse(options, null,
                    new Context(AttemptCounter.KEY, attempts));
            BlockBlobItem item = response.getValue();
            return Optional.of(new StoredObject(key, content.toFile().length(), unquoted(item.getETag()),
                    instant(item.getLastModified())));
        } catch (BlobStorageException e) {
            if (conditional && (e.getStatusCode() == 409 || e.getStatusCode() == 412 || e.getStatusCode() == 404)) {
                return attempts.get() > 1 ? ownEarlierAttempt(key, md5) : Optional.empty();
            }
            throw failure("write", key, e);
        } catch (RuntimeException e) {
            throw failure("write", key, e);
        }
    }

    /** The blob there when it holds exactly this content, which an earlier attempt of this upload wrote. */
    private Optional<StoredObject> ownEarlierAttempt(String key, byte[] md5) {
        try {
            BlobProperties properties = blob(key).getProperties();
            if (!Arrays.equals(properties.getContentMd5(), md5)) {
                return Optional.empty();
            }
            return Optional.of(new StoredObject(key, properties.getBlobSize(), unquoted(properties.getETag()),
                    instant(properties.getLastModified())));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw failure("head", key, e);
        }
    }

    private static byte[] md5(Path content) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(content),
                MessageDigest.getInstance("MD5"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return in.getMessageDigest().digest();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + content + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
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

    /** Counts the attempts the SDK makes of a request whose context carries a counter (each retry passes here). */
    private static final class AttemptCounter extends HttpPipelineSyncPolicy {

        static final String KEY = "quiver-attempts";

        @Override
        protected void beforeSendingRequest(HttpPipelineCallContext context) {
            context.getData(KEY).ifPresent(counter -> ((AtomicInteger) counter).incrementAndGet());
        }
    }
}
