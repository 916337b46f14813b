package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import dev.quiver.testservices.RequiresAzurite;
import dev.quiver.testservices.TestAzurite;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * A conditional upload whose answer is lost after Azurite wrote the blob: the SDK sends it again, the service refuses
 * the second attempt because the first one wrote the blob, and the writer must still know it won. A blob someone
 * else wrote is still refused.
 */
@RequiresAzurite
class AzureConditionalWriteRetryTest {

    @TempDir
    Path files;

    private final LosingConditionalAnswers http = new LosingConditionalAnswers();
    private AzureBlobObjectStore store;

    @BeforeEach
    void open() {
        TestAzurite azurite = TestAzurite.shared();
        BlobContainerClient container = AzureBlobObjectStore.client(new AzureSettings(
                Optional.of(azurite.accountName()), Optional.of(azurite.blobEndpoint()),
                Optional.of(azurite.accountKey()), Optional.empty(), Optional.empty()), http)
                .createBlobContainer("claims-" + UUID.randomUUID());
        store = new AzureBlobObjectStore(container, "");
    }

    @Test
    void aWriteWhoseAnswerWasLostIsStillTheWritersOwn() throws Exception {
        http.loseNext(1);

        assertThat(store.putIfAbsent("claims/a.json", file("replica-1 at 12:00"), "application/json"))
                .as("the second attempt is refused, but the blob there is this writer's")
                .hasValueSatisfying(written -> assertThat(written.size()).isEqualTo(18));
        assertThat(http.lost()).as("the first answer was lost and the upload sent again").isEqualTo(1);
        assertThat(content("claims/a.json")).isEqualTo("replica-1 at 12:00");
    }

    @Test
    void anotherWritersBlobIsStillRefusedWhenTheAnswerWasLost() throws Exception {
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
    private static final class LosingConditionalAnswers implements HttpClient {

        private final HttpClient delegate = new JdkHttpClientBuilder().build();
        private final AtomicInteger toLose = new AtomicInteger();
        private final AtomicInteger lost = new AtomicInteger();

        void loseNext(int answers) {
            toLose.set(answers);
        }

        int lost() {
            return lost.get();
        }

        @Override
        public Mono<HttpResponse> send(HttpRequest request) {
            return Mono.fromCallable(() -> sendSync(request, Context.NONE));
        }

        @Override
        public HttpResponse sendSync(HttpRequest request, Context context) {
            HttpResponse response = delegate.sendSync(request, context);
            boolean conditionalPut = request.getHttpMethod() == HttpMethod.PUT
                    && request.getHeaders().getValue("If-None-Match") != null;
            if (conditionalPut && toLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                response.close();
                lost.incrementAndGet();
                throw new UncheckedIOException(new IOException("connection reset after the server answered"));
            }
            return response;
        }
    }
}
