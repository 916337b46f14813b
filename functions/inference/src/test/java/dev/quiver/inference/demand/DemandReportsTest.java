package dev.quiver.inference.demand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The running function's demand reports, sent to a real HTTP sink: what its loaded models are asked, and what the pool
 * file says one replica holds.
 */
@QuarkusTest
@WithTestResource(DemandReportsTest.Sink.class)
class DemandReportsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theFunctionReportsItsModelsDemandAndTheRoomItTakesWithARisingSequence() throws Exception {
        Readiness.awaitReady();
        List<JsonNode> reports = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            reports.clear();
            reports.addAll(received());
            return reports.size() >= 2 && reports.getLast().path("models").toString().contains("\"digits\"");
        });
        JsonNode last = reports.getLast();
        assertThat(last.path("function").asText()).isEqualTo("inference");
        assertThat(last.path("replica").asText()).isNotBlank();
        assertThat(last.path("replicas").asInt()).isEqualTo(1);
        assertThat(last.path("resources").path("cpu").asText()).isEqualTo("500m");
        assertThat(last.path("models").get(0).path("model").asText()).isEqualTo("digits");
        assertThat(last.path("models").get(0).path("queued").asInt()).isZero();
        List<Long> sequences = reports.stream().map(report -> report.path("sequence").asLong()).toList();
        assertThat(sequences).as("one replica's reports, each after the one before").isSorted().doesNotHaveDuplicates();
    }

    /** The reports the sink received, read from the sink itself (it runs outside the function's class loader). */
    private static List<JsonNode> received() throws Exception {
        String sink = ConfigProvider.getConfig().getValue("quiver.inference.demand.sink", String.class);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sink
                + "received")).build(), HttpResponse.BodyHandlers.ofString());
        List<JsonNode> reports = new ArrayList<>();
        JSON.readTree(answer.body()).forEach(reports::add);
        return reports;
    }

    /** The digits model, a pool file that maps the function, and a sink that keeps what it is sent. */
    public static class Sink implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;
        private HttpServer server;
        private Path pool;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-demand").withDigits("digits", 1);
            List<String> bodies = new CopyOnWriteArrayList<>();
            try {
                pool = Files.createTempFile("quiver-pool", ".yaml");
                Files.writeString(pool, """
                        queues:
                          serving: {quota: {cpu: 4}}
                        work: {default-queue: serving}
                        serving:
                          inference: {queue: serving, replica: {cpu: 500m}, concurrency: 2}
                        """);
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/", exchange -> {
                byte[] answer = new byte[0];
                if ("POST".equals(exchange.getRequestMethod())
                        && "dev.quiver.serving.demand.reported".equals(exchange.getRequestHeaders()
                        .getFirst("ce-type"))) {
                    bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                } else if (exchange.getRequestURI().getPath().equals("/received")) {
                    answer = ("[" + String.join(",", bodies) + "]").getBytes(StandardCharsets.UTF_8);
                }
                exchange.sendResponseHeaders(answer.length == 0 ? 202 : 200, answer.length == 0 ? -1 : answer.length);
                if (answer.length > 0) {
                    exchange.getResponseBody().write(answer);
                }
                exchange.close();
            });
            server.start();
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.pool.file", pool.toString(),
                    "quiver.inference.demand.sink", "http://127.0.0.1:" + server.getAddress().getPort() + "/",
                    "quiver.inference.demand.check-interval", "100ms",
                    "quiver.inference.demand.interval", "500ms");
        }

        @Override
        public void stop() {
            server.stop(0);
            ModelRepositoryFixture.delete(repository.root());
            try {
                Files.deleteIfExists(pool);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
