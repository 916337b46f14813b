package dev.quiver.inference.repository;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.storage.S3ObjectStore;
import dev.quiver.storage.S3Settings;
import dev.quiver.testservices.TestS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** A model repository in a real S3-compatible store ({@link TestS3}): served, and new and removed versions followed. */
@QuarkusTest
@WithTestResource(S3RepositoryTest.S3Repository.class)
class S3RepositoryTest {

    @Test
    void modelsInS3AreServedAndVersionsFollowTheStore() {
        Readiness.awaitReady();
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"digits\",\"instances\":[" + Digits.pixelsJson(0) + "]}")
                .post("/predict").then().statusCode(200).body("model_version", equalTo("1"));
        given().get("/v2/models/adder").then().statusCode(200).body("versions", contains("1"));

        S3Repository.client.putObject(request -> request.bucket("models").key("repo/adder/2/model.onnx"),
                RequestBody.fromBytes(OnnxModels.addConstant(2)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/v2/models/adder").then()
                .statusCode(200).body("versions", contains("2")));

        S3Repository.client.deleteObject(request -> request.bucket("models").key("repo/adder/2/model.onnx"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/v2/models/adder").then()
                .statusCode(200).body("versions", contains("1")));
    }

    public static class S3Repository implements QuarkusTestResourceLifecycleManager {

        static volatile S3Client client;

        private ModelRepositoryFixture local;
        private Path cache;

        @Override
        public Map<String, String> start() {
            try {
                TestS3 s3 = TestS3.shared();
                client = S3ObjectStore.client(new S3Settings(Optional.of(s3.uri()), "us-east-1",
                        Optional.of(s3.accessKey()), Optional.of(s3.secretKey()), true));
                client.createBucket(request -> request.bucket("models"));
                local = ModelRepositoryFixture.temporary("quiver-s3-source").withDigits("digits", 1)
                        .withModel("adder", 1, OnnxModels.addConstant(1));
                try (Stream<Path> files = Files.walk(local.root())) {
                    for (Path file : files.filter(Files::isRegularFile).toList()) {
                        String key = "repo/" + local.root().relativize(file).toString().replace(File.separatorChar, '/');
                        client.putObject(request -> request.bucket("models").key(key), RequestBody.fromFile(file));
                    }
                }
                cache = Files.createTempDirectory("quiver-model-cache");
                return Map.of("quiver.model-repository", "s3://models/repo",
                        "quiver.inference.repository-cache", cache.toString(),
                        "quiver.inference.poll-interval", "500ms",
                        "quiver.storage.s3.endpoint", s3.uri().toString(),
                        "quiver.storage.s3.access-key", s3.accessKey(),
                        "quiver.storage.s3.secret-key", s3.secretKey(),
                        "quiver.storage.s3.path-style", "true");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the S3 server", e);
            }
        }

        @Override
        public void stop() {
            client.close();
            ModelRepositoryFixture.delete(local.root());
            ModelRepositoryFixture.delete(cache);
        }
    }
}
