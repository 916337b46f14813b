package dev.quiver.monitoring;

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
 * A packaged function ({@code target/quarkus-app/quarkus-run.jar} of its module, built before this one) started as a
 * process on a free port, with settings as system properties and its output in a log file.
 */
record FunctionProcess(String name, Process process, URI url, Path log) implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Starts the function and returns once the process runs; {@link #awaitReady} waits for its readiness. */
    static FunctionProcess start(String name, Path module, Map<String, String> settings, Path log) {
        Path jar = module.resolve("target/quarkus-app/quarkus-run.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package " + module.normalize() + " first "
                    + "(./quiver mvn install -DskipTests -pl load-tests -am)");
        }
        try {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "--enable-native-access=ALL-UNNAMED", "-Dquarkus.http.port=" + port));
            settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(variable -> variable.startsWith("QUIVER_")
                    || variable.startsWith("QUARKUS_") || variable.equals("K_SINK"));
            return new FunctionProcess(name, builder.start(), URI.create("http://127.0.0.1:" + port), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    void awaitReady(Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " ended at start:\n" + Files.readString(log));
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(url.resolve("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + ":\n" + Files.readString(log));
    }

    /** host:port, as a Prometheus target. */
    String target() {
        return url.getHost() + ":" + url.getPort();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
