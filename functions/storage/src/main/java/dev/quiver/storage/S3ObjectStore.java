package dev.quiver.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;

/**
 * Objects in a bucket of an S3-compatible store, under an optional prefix, through the AWS SDK v2 with the JDK's HTTP
 * client. A single PUT is atomic in S3: an object appears whole or not at all.
 */
public final class S3ObjectStore implements ObjectStore {

    /** S3's smallest part but the last, and most parts, of a multipart upload. */
    private static final long MIN_PART = 5L << 20;
    private static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    public S3ObjectStore(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        if (!this.prefix.isEmpty()) {
            ObjectKeys.validatePrefix(this.prefix);
        }
    }

    public static S3Client client(S3Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle());
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.accessKey().isPresent() && settings.secretKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKey().get(), settings.secretKey().get())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }

    @Override
    public String location() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public Optional<StoredObject> head(String key) {
        String full = full(key);
        try {
            HeadObjectResponse head = s3.headObject(request -> request.bucket(bucket).key(full));
            return Optional.of(new StoredObject(key, head.contentLength(), unquoted(head.eTag()),
                    head.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("head", key, e);
        } catch (SdkException e) {
            throw failure("head", key, e);
        }
    }

    @Override
    public InputStream open(String key) {
        String full = full(key);
        try {
            return s3.getObject(request -> request.bucket(bucket).key(full));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException("no object " + key + " in " + location());
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    /** A ranged GET ({@code Range: bytes=from-(to-1)}): only the range crosses the network. */
    @Override
    public InputStream open(String key, long from, long to) {
        ObjectStore.requireRange(key, from, to);
        if (from == to) {
            head(key).orElseThrow(() -> new NoSuchObjectException("no object " + key + " in " + location()));
            return InputStream.nullInputStream();
        }
        String full = full(key);
        try {
            return s3.getObject(request -> request.bucket(bucket).key(full).range("bytes=" + from + "-" + (to - 1)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException("no object " + key + " in " + location());
        } catch (S3Exception e) {
            // 416: the range starts past the end, where the object has no bytes left to give
            if (e.statusCode() == 416) {
                return InputStream.nullInputStream();
            }
            throw failure("read", key, e);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public StoredObject put(String key, Path content, String contentType) {
        return write(key, content, contentType, null).orElseThrow();
    }

    /** A conditional write ({@code If-None-Match: *}): the store refuses it with 412 when the key exists. */
    @Override
    public Optional<StoredObject> putIfAbsent(String key, Path content, String contentType) {
        return write(key, content, contentType, "*");
    }

    /**
     * A conditional write ({@code If-Match: "<etag>"}): the store refuses it with 412 when the object's ETag differs
     * and with 404 when it is gone. A single-part upload's ETag is its content's MD5, so the same content written again
     * keeps its ETag: a compare-and-set of the same content wins, and the version read stays the version there.
     */
    @Override
    public Optional<StoredObject> putIfMatch(String key, Path content, String contentType, String version) {
        return write(key, content, contentType, version);
    }

    /** @param condition {@code *}: only where nothing is; an ETag: only over that version; null: unconditionally */
    private Optional<StoredObject> write(String key, Path content, String contentType, String condition) {
        String full = full(key);
        boolean conditional = condition != null;
        try {
            PutObjectResponse put = s3.putObject(request -> {
                request.bucket(bucket).key(full).contentType(contentType);
                if ("*".equals(condition)) {
                    request.ifNoneMatch("*");
                } else if (conditional) {
                    request.ifMatch('"' + condition + '"');
                }
            }, RequestBody.fromFile(content));
            return Optional.of(head(key).orElseGet(() -> new StoredObject(key, content.toFile().length(),
                    unquoted(put.eTag()), null)));
        } catch (S3Exception e) {
            // 412: the key exists (or has another version); 409: another conditional write to the key is under way,
            // and it will win or fail; 404: an object to replace is gone
            if (conditional && (e.statusCode() == 412 || e.statusCode() == 409 || e.statusCode() == 404)) {
                return e.numAttempts() != null && e.numAttempts() > 1 ? ownEarlierAttempt(key, content)
                        : Optional.empty();
            }
            throw failure("write", key, e);
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    /**
     * A conditional write the SDK sent again (its first answer was lost, a connection reset, say) is refused because
     * the first attempt wrote the object. The object is ours when it holds exactly our content: a single-part upload's
     * ETag is its content's MD5 (not so under SSE-KMS, where this reads as someone else's object, as before).
     */
    private Optional<StoredObject> ownEarlierAttempt(String key, Path content) {
        return head(key).filter(object -> object.version().equalsIgnoreCase(md5(content)));
    }

    private static String md5(Path content) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(content),
                MessageDigest.getInstance("MD5"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("read " + content + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    /**
     * A multipart upload whose parts are copied from the sources inside the store (UploadPartCopy), so their bytes
     * never leave it, when every source but the last is at least S3's smallest part (5 MiB); otherwise, or where the
     * store does not implement part copies, the sources are streamed through here.
     */
    @Override
    public StoredObject concatenate(List<String> sources, String target, String contentType) {
        List<StoredObject> parts = new ArrayList<>();
        for (String source : sources) {
            StoredObject part = head(source).orElseThrow(() -> new NoSuchObjectException("no object " + source
                    + " in " + location()));
            // an empty object adds nothing, and S3 has no empty part but the last
            if (part.size() > 0) {
                parts.add(part);
            }
        }
        boolean copyable = parts.size() > 1 && parts.size() <= MAX_PARTS
                && parts.subList(0, parts.size() - 1).stream().allMatch(part -> part.size() >= MIN_PART);
        if (!copyable) {
            return ObjectStore.super.concatenate(sources, target, contentType);
        }
        String full = full(target);
        String upload;
        try {
            upload = s3.createMultipartUpload(request -> request.bucket(bucket).key(full).contentType(contentType))
                    .uploadId();
        } catch (SdkException e) {
            throw failure("join objects into", target, e);
        }
        try {
            List<CompletedPart> completed = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                int number = i + 1;
                String source = full(parts.get(i).key());
                UploadPartCopyResponse copied = s3.uploadPartCopy(request -> request.sourceBucket(bucket)
                        .sourceKey(source).destinationBucket(bucket).destinationKey(full).uploadId(upload)
                        .partNumber(number));
                completed.add(CompletedPart.builder().partNumber(number).eTag(copied.copyPartResult().eTag())
                        .build());
            }
            s3.completeMultipartUpload(request -> request.bucket(bucket).key(full).uploadId(upload)
                    .multipartUpload(part -> part.parts(completed)));
        } catch (S3Exception e) {
            abort(full, upload);
            // a store without part copies (501) joins them the slow way
            if (e.statusCode() == 501) {
                return ObjectStore.super.concatenate(sources, target, contentType);
            }
            throw failure("join objects into", target, e);
        } catch (SdkException e) {
            abort(full, upload);
            throw failure("join objects into", target, e);
        }
        return head(target).orElseThrow(() -> new ObjectStoreException("joined " + target + " in " + location()
                + " but cannot find it"));
    }

    private void abort(String full, String upload) {
        try {
            s3.abortMultipartUpload(request -> request.bucket(bucket).key(full).uploadId(upload));
        } catch (SdkException e) {
            // an upload left open holds no object; the bucket's lifecycle rules remove it
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        ObjectKeys.validatePrefix(keyPrefix);
        List<StoredObject> objects = new ArrayList<>();
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix + keyPrefix);
        try {
            ListObjectsV2Response page;
            do {
                page = s3.listObjectsV2(request.build());
                for (S3Object object : page.contents()) {
                    objects.add(new StoredObject(object.key().substring(prefix.length()), object.size(),
                            unquoted(object.eTag()), object.lastModified()));
                }
                request.continuationToken(page.nextContinuationToken());
            } while (Boolean.TRUE.equals(page.isTruncated()));
        } catch (SdkException e) {
            throw failure("list", keyPrefix, e);
        }
        return objects;
    }

    @Override
    public void delete(String key) {
        String full = full(key);
        try {
            s3.deleteObject(request -> request.bucket(bucket).key(full));
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private String full(String key) {
        return prefix + ObjectKeys.validate(key);
    }

    private ObjectStoreException failure(String operation, String key, SdkException e) {
        return new ObjectStoreException("cannot " + operation + " " + key + " in " + location() + ": "
                + e.getMessage(), e);
    }

    private static String unquoted(String etag) {
        return etag == null ? "" : etag.replace("\"", "");
    }
}
