package dev.quiver.orchestration.executors;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged inference function (built by its module before this one), started as a process over a model
 * repository: what a pipeline's publish and aggregate steps talk to.
 */
record InferenceFunctionProcess(Process process, URI url) implements AutoCloseable {

    private static final Path JAR = Path.of("../inference/target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    static InferenceFunctionProcess start(Path models, Path log) {
        return start(models.toString(), Map.of(), log);
    }

    /** Over any repository location, a folder or {@code s3://...}, with further settings (the S3 store's). */
    static InferenceFunctionProcess start(String repository, Map<String, String> settings, Path log) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: package functions/inference first (./quiver build)");
        }
        try {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "--enable-native-access=ALL-UNNAMED", "-Dquarkus.http.port=" + port,
                    "-Dquiver.model-repository=" + repository, "-Dquiver.inference.poll-interval=500ms",
                    // the tests wait for a model by polling its readiness, anonymously from one address: the
                    // anonymous plan's burst of 10 would run out on a machine slow to load the model
                    "-Dquiver.admission.anonymous.burst=100000",
                    "-Dquiver.admission.anonymous.requests-per-hour=100000"));
            settings.forEach((name, value) -> command.add("-D" + name + "=" + value));
            command.addAll(List.of("-jar", JAR.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            InferenceFunctionProcess started = new InferenceFunctionProcess(process, URI.create("http://localhost:"
                    + port + "/"));
            await("the inference function at " + started.url() + " (log: " + log + ")")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !process.isAlive() || started.live());
            if (!process.isAlive()) {
                throw new IllegalStateException("the inference function ended at start; see " + log);
            }
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean live() throws InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(url.resolve("/q/health/live")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
