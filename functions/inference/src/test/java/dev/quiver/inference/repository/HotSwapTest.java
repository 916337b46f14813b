package dev.quiver.inference.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Versions come and go under concurrent load: each change is picked up, and not a single request fails. Version k of
 * the model adds k to its input, so every answer shows which version computed it.
 */
@QuarkusTest
@WithTestResource(HotSwapTest.SwapRepository.class)
class HotSwapTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 6;
    private static final String REQUEST = """
            {"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[0,0,0,0]}]}""";

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @TestHTTPResource("/v2/models/swap/infer")
    URI infer;

    @TestHTTPResource("/v2/models/swap")
    URI metadata;

    @TestHTTPResource("/v2/health/ready")
    URI ready;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void versionsSwapUnderLoadWithoutAFailedRequest() throws Exception {
        Readiness.awaitReady();
        ModelRepositoryFixture repository = new ModelRepositoryFixture(root);
        Load load = new Load(CLIENTS);
        load.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.answered.get() > 50);
            assertThat(load.versionsSince(0)).containsOnly("1");

            long mark = load.answered.get();
            repository.withModel("swap", 2, OnnxModels.addConstant(2));
            await().atMost(Duration.ofSeconds(20)).until(() -> load.lastVersion().equals("2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> load.answered.get() > load.answeredAt("2") + 50);
            // a request sent once an answer of version 2 had arrived was routed after the swap (requests sent before
            // it may still be answered by version 1, and a client may record its answer late)
            assertThat(load.versionsSentAfter(load.firstReceived("2"))).isNotEmpty().containsOnly("2");
            assertThat(load.versionsSince(mark)).containsOnly("1", "2");
            assertThat(metadata().path("versions").toString()).isEqualTo("[\"2\"]");

            repository.withModel("swap", 3, "not an onnx model".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> state(metadata(), "3").equals("FAILED"));
            JsonNode afterFailure = metadata();
            assertThat(afterFailure.path("versions").toString()).isEqualTo("[\"2\"]");
            assertThat(reason(afterFailure, "3")).contains("ONNX Runtime cannot load model.onnx");
            assertThat(reason(afterFailure, "2")).contains("kept serving until version 3 is ready");
            assertThat(http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);

            ModelRepositoryFixture.delete(root.resolve("swap/3"));
            ModelRepositoryFixture.delete(root.resolve("swap/2"));
            await().atMost(Duration.ofSeconds(20)).until(() -> load.lastVersion().equals("1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> metadata().path("status").size() == 1);

            repository.withConfig("swap", "config.json", "{\"outputs\": {\"y\": \"shifted\"}}");
            await().atMost(Duration.ofSeconds(20)).until(() -> load.lastOutputName().equals("shifted"));
        } finally {
            load.stop();
        }
        assertThat(load.failures).as("failed requests during the swaps").isEmpty();
        assertThat(load.answered.get()).isGreaterThan(200);
    }

    private JsonNode metadata() throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(metadata).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static String state(JsonNode metadata, String version) {
        for (JsonNode status : metadata.path("status")) {
            if (status.path("version").asText().equals(version)) {
                return status.path("state").asText();
            }
        }
        return "";
    }

    private static String reason(JsonNode metadata, String version) {
        for (JsonNode status : metadata.path("status")) {
            if (status.path("version").asText().equals(version)) {
                return status.path("reason").asText();
            }
        }
        return "";
    }

    /** A request answered: when it was sent (nanoTime), and the version that answered it. */
    private record Sent(long at, String version) {
    }

    /** Clients that send requests back to back and record every answer. */
    private final class Load {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong answered = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<String> versions = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<String, Long> firstAnswer = new ConcurrentHashMap<>();
        /** When each answered request was sent, and when the first answer of each version arrived (nanoTime). */
        final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
        final Map<String, Long> firstReceived = new ConcurrentHashMap<>();
        volatile String lastOutputName = "";
        final List<Thread> threads = new ArrayList<>();

        Load(int clients) {
            for (int i = 0; i < clients; i++) {
                threads.add(Thread.ofPlatform().daemon().unstarted(this::run));
            }
        }

        void start() {
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }

        String lastVersion() {
            synchronized (versions) {
                return versions.isEmpty() ? "" : versions.getLast();
            }
        }

        String lastOutputName() {
            return lastOutputName;
        }

        long answeredAt(String version) {
            return firstAnswer.getOrDefault(version, Long.MAX_VALUE);
        }

        long firstReceived(String version) {
            return firstReceived.getOrDefault(version, Long.MAX_VALUE);
        }

        /** The versions that answered the requests sent after {@code nanos}. */
        List<String> versionsSentAfter(long nanos) {
            return sent.stream().filter(answer -> answer.at() > nanos).map(Sent::version).toList();
        }

        List<String> versionsSince(long index) {
            synchronized (versions) {
                return List.copyOf(versions.subList((int) Math.min(index, versions.size()), versions.size()));
            }
        }

        private void run() {
            HttpRequest request = HttpRequest.newBuilder(infer)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(REQUEST)).build();
            while (running.get()) {
                try {
                    long sentAt = System.nanoTime();
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    long receivedAt = System.nanoTime();
                    if (response.statusCode() != 200) {
                        failures.add(response.statusCode() + " " + response.body());
                        continue;
                    }
                    JsonNode body = JSON.readTree(response.body());
                    String version = body.path("model_version").asText();
                    JsonNode output = body.path("outputs").path(0);
                    float value = (float) output.path("data").path(0).asDouble();
                    if (value != Float.parseFloat(version)) {
                        failures.add("version " + version + " answered " + value);
                    }
                    synchronized (versions) {
                        versions.add(version);
                        firstAnswer.putIfAbsent(version, (long) versions.size() - 1);
                    }
                    sent.add(new Sent(sentAt, version));
                    firstReceived.merge(version, receivedAt, Math::min);
                    lastOutputName = output.path("name").asText();
                    answered.incrementAndGet();
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }
    }

    public static class SwapRepository implements QuarkusTestResourceLifecycleManager {
        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-swap").withModel("swap", 1, OnnxModels.addConstant(1));
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.poll-interval", "200ms");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
