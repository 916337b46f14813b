package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testservices.TestS3;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A conditional write whose answer is lost after the server wrote the object (a connection reset, say): the SDK sends
 * it again, the server refuses the second attempt because the first one wrote the key, and the writer must still know
 * it won. An object someone else wrote is still refused.
 */
class S3ConditionalWriteRetryTest {

    @TempDir
    Path files;

    private final LosingConditionalAnswers http = new LosingConditionalAnswers();
    private S3Client client;
    private S3ObjectStore store;

    @BeforeEach
    void open() {
        TestS3 s3 = TestS3.shared();
        client = S3Client.builder().httpClient(http).region(Region.US_EAST_1).forcePathStyle(true)
                .endpointOverride(s3.uri())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                .build();
        String bucket = "claims-" + UUID.randomUUID();
        client.createBucket(request -> request.bucket(bucket));
        store = new S3ObjectStore(client, bucket, "");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aWriteWhoseAnswerWasLostIsStillTheWritersOwn() throws Exception {
        http.loseNext(1);

        assertThat(store.putIfAbsent("claims/a.json", file("replica-1 at 12:00"), "application/json"))
                .as("the second attempt is refused, but the object there is this writer's")
                .hasValueSatisfying(written -> assertThat(written.size()).isEqualTo(18));
        assertThat(http.lost()).as("the first answer was lost and the write sent again").isEqualTo(1);
        assertThat(content("claims/a.json")).isEqualTo("replica-1 at 12:00");
    }

    @Test
    void anotherWritersObjectIsStillRefusedWhenTheAnswerWasLost() throws Exception {
        assertThat(store.putIfAbsent("claims/b.json", file("replica-2 at 11:59"), "application/json")).isPresent();
        http.loseNext(1);

        assertThat(store.putIfAbsent("claims/b.json", file("replica-1 at 12:00"), "application/json")).isEmpty();
        assertThat(http.lost()).isEqualTo(1);
        assertThat(content("claims/b.json")).isEqualTo("replica-2 at 11:59");
    }

    private Path file(String content) throws IOException {
        return Files.writeString(Files.createTempFile(files, "claim", ".json"), content);
    }

    private String content(String key) throws IOException {
        try (InputStream in = store.open(key)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The JDK's HTTP client, except that the answers to the next conditional PUTs are dropped after they arrive. */
    private static final class LosingConditionalAnswers implements SdkHttpClient {

        private final SdkHttpClient delegate = UrlConnectionHttpClient.create();
        private final AtomicInteger toLose = new AtomicInteger();
        private final AtomicInteger lost = new AtomicInteger();

        void loseNext(int answers) {
            toLose.set(answers);
        }

        int lost() {
            return lost.get();
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            ExecutableHttpRequest call = delegate.prepareRequest(request);
            boolean conditionalPut = request.httpRequest().method() == SdkHttpMethod.PUT
                    && request.httpRequest().firstMatchingHeader("If-None-Match").isPresent();
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    HttpExecuteResponse response = call.call();
                    if (conditionalPut && toLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        if (response.responseBody().isPresent()) {
                            response.responseBody().get().close();
                        }
                        lost.incrementAndGet();
                        throw new IOException("connection reset after the server answered");
                    }
                    return response;
                }

                @Override
                public void abort() {
                    call.abort();
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
