package dev.quiver.inference.batch;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.storage.S3ObjectStore;
import dev.quiver.storage.S3Settings;
import dev.quiver.testservices.TestS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3-compatible server (S3Proxy, {@link TestS3}) with the buckets {@code incoming} and {@code results}, the
 * digits model in a local repository, and batch rules: CSV under {@code digits/} with a header and an id column, JSON
 * Lines under {@code lines/}, the same split into shards (of 2 KB, and of 7 rows) under {@code sharded/} and
 * {@code sharded-lines/}, results into {@code results/predictions}.
 */
public class S3Buckets implements QuarkusTestResourceLifecycleManager {

    static volatile S3Client client;

    private ModelRepositoryFixture repository;

    @Override
    public Map<String, String> start() {
        try {
            TestS3 s3 = TestS3.shared();
            client = S3ObjectStore.client(new S3Settings(Optional.of(s3.uri()), "us-east-1",
                    Optional.of(s3.accessKey()), Optional.of(s3.secretKey()), true));
            createBucket("incoming");
            createBucket("results");
            repository = ModelRepositoryFixture.temporary("quiver-batch").withDigits("digits", 1);
            Path rules = repository.root().resolveSibling(repository.root().getFileName() + "-rules.yaml");
            Files.writeString(rules, """
                    rules:
                      - bucket: incoming
                        prefix: digits/
                        suffix: .csv
                        model: digits
                        header: true
                        id-column: id
                        output-bucket: results
                        output-prefix: predictions
                      - bucket: incoming
                        prefix: lines/
                        model: digits
                        format: jsonl
                        output-bucket: results
                        output-prefix: predictions
                      - bucket: incoming
                        prefix: sharded/
                        suffix: .csv
                        model: digits
                        header: true
                        id-column: id
                        output-bucket: results
                        output-prefix: predictions
                        shard-size: 2KB
                      - bucket: incoming
                        prefix: sharded-lines/
                        model: digits
                        format: jsonl
                        output-bucket: results
                        output-prefix: predictions
                        shard-size: 7 rows
                    """);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.storage.root", "s3",
                    "quiver.storage.s3.endpoint", s3.uri().toString(),
                    "quiver.storage.s3.access-key", s3.accessKey(),
                    "quiver.storage.s3.secret-key", s3.secretKey(),
                    "quiver.storage.s3.path-style", "true",
                    "quiver.batch.rules-file", rules.toString(),
                    "quiver.batch.chunk-rows", "8");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the S3 server", e);
        }
    }

    /** Another test resource of this run may have made the bucket already in the shared server. */
    private static void createBucket(String name) {
        try {
            client.createBucket(request -> request.bucket(name));
        } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException e) {
            // there already
        }
    }

    /** Puts an object into {@code incoming} and answers its ETag, unquoted. */
    static String upload(String key, String content) {
        return client.putObject(request -> request.bucket("incoming").key(key), RequestBody.fromString(content))
                .eTag().replace("\"", "");
    }

    static boolean exists(String bucket, String key) {
        try {
            client.headObject(request -> request.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** Every object under {@code prefix} in {@code bucket}. */
    static List<String> keys(String bucket, String prefix) {
        return client.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    @Override
    public void stop() {
        client.close();
        ModelRepositoryFixture.delete(repository.root());
    }
}
