package dev.quiver.orchestration.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.quiver.events.EventTypes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged function killed in the middle of a run (SIGKILL, no shutdown) and started again on the same embedded
 * database: the run is where it was, and the events that arrive after the restart carry it to its end. It runs as
 * deployed: its events go to a broker (a stand-in that accepts them), whose {@code kubernetes-job} executor is this
 * test, reporting the steps' ends.
 */
class RestartIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Path root;
    private int port;
    private Process function;
    private HttpServer broker;

    @BeforeEach
    void folders() throws IOException {
        root = Files.createTempDirectory("quiver-restart");
        Path pipelines = Files.createDirectories(root.resolve("pipelines"));
        Files.writeString(pipelines.resolve("chain.yaml"), """
                pipeline: chain
                version: 1
                steps:
                  - {name: first, executor: kubernetes-job}
                  - {name: second, executor: kubernetes-job, depends: [first]}
                  - name: flaky
                    executor: kubernetes-job
                    retry: {backoff: {initial: 10s, cap: 10s, jitter: none, budget: 1h}}
                """);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        broker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        broker.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        broker.start();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (function != null) {
            function.destroyForcibly();
        }
        broker.stop(0);
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void aRunContinuesAfterTheFunctionIsKilledAndStartedAgain() throws Exception {
        start();
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", "{\"pipeline\":\"chain\"}");
        String run = runs().get(0).get("id").asText();
        assertThat(step(run, "first").get("state").asText()).isEqualTo("DISPATCHED");

        function.destroyForcibly().waitFor();
        start();

        assertThat(step(run, "first").get("state").asText()).as("the run survived the kill").isEqualTo("DISPATCHED");
        post(EventTypes.STEP_COMPLETED, "/executors/test", "{\"runId\":\"" + run
                + "\",\"instance\":\"first\",\"attempt\":1}");
        assertThat(step(run, "second").get("state").asText()).isEqualTo("DISPATCHED");
        post(EventTypes.STEP_COMPLETED, "/executors/test", "{\"runId\":\"" + run
                + "\",\"instance\":\"second\",\"attempt\":1}");
        post(EventTypes.STEP_COMPLETED, "/executors/test", "{\"runId\":\"" + run
                + "\",\"instance\":\"flaky\",\"attempt\":1}");
        assertThat(runs().get(0).get("state").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aRetryWaitingForItsBackoffWhenTheFunctionIsKilledIsDispatchedAfterTheRestart() throws Exception {
        start();
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", "{\"pipeline\":\"chain\"}");
        String run = runs().get(0).get("id").asText();
        post(EventTypes.STEP_FAILED, "/executors/test", "{\"runId\":\"" + run + "\",\"instance\":\"flaky\","
                + "\"attempt\":1,\"errorClass\":\"NetworkError\",\"message\":\"connection reset\"}");
        JsonNode waiting = step(run, "flaky");
        assertThat(waiting.get("state").asText()).isEqualTo("RETRY_WAIT");

        function.destroyForcibly().waitFor();
        start();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode retried = step(run, "flaky");
            assertThat(retried.get("attempt").asInt()).as("%s", retried).isEqualTo(2);
            assertThat(retried.get("state").asText()).isEqualTo("DISPATCHED");
        });
        JsonNode first = get("/runs/" + run + "/steps/flaky").get("attempts").get(0);
        assertThat(first.at("/decision/action").asText()).isEqualTo("RETRY");
        assertThat(first.at("/decision/delayMillis").asLong()).isEqualTo(10000);
    }

    private void start() throws IOException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dquarkus.http.port=" + port,
                "-Dquiver.orchestration.pipelines=" + root.resolve("pipelines"),
                "-Dquiver.orchestration.state=" + root.resolve("state"),
                "-Dquiver.orchestration.tick-interval=1s",
                "-Dquiver.orchestration.sink=http://127.0.0.1:" + broker.getAddress().getPort() + "/",
                "-Dquiver.orchestration.broker-executors=kubernetes-job",
                // the test reads as an anonymous caller, polling far more often than the packaged quota allows
                "-Dquiver.admission.anonymous.requests-per-hour=100000000",
                "-Dquiver.admission.anonymous.burst=100000000",
                "-jar", jar.toString()));
        function = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(root.resolve("function.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(this::ready);
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void post(String type, String source, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/"))
                .header("ce-specversion", "1.0").header("ce-id", UUID.randomUUID().toString())
                .header("ce-source", source).header("ce-type", type).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
    }

    private JsonNode runs() throws IOException, InterruptedException {
        return get("/runs");
    }

    private JsonNode step(String run, String instance) throws IOException, InterruptedException {
        JsonNode detail = get("/runs/" + run + "/steps/" + instance);
        assertThat(detail.has("step")).as("run %s step %s: %s", run, instance, detail).isTrue();
        return detail.get("step");
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
