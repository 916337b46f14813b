package dev.quiver.orchestration.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged function started the way a container image starts it: {@code java -jar quarkus-run.jar} with none of
 * its settings, from a working directory of no importance. Its defaults must be enough to get ready. The user's home
 * is a folder of the test's own (where the embedded database goes by default), and the port a free one.
 */
class PackagedDefaultsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Path root;
    private Process function;

    @BeforeEach
    void folders() throws IOException {
        root = Files.createTempDirectory("quiver-packaged-defaults");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (function != null) {
            function.destroy();
            function.waitFor();
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void thePackagedFunctionGetsReadyWithItsDefaultsFromAnotherWorkingDirectory() throws Exception {
        Path home = Files.createDirectories(root.resolve("home"));
        Path workingDirectory = Files.createDirectories(root.resolve("elsewhere"));
        Path log = root.resolve("function.log");
        int port = freePort();
        ProcessBuilder command = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-Dquarkus.http.port=" + port,
                "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString())
                .directory(workingDirectory.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = command.environment();
        environment.keySet().removeIf(name -> name.startsWith("QUIVER_") || name.startsWith("QUARKUS_")
                || name.equals("K_SINK"));
        function = command.start();

        int status = awaitReadiness(port, Duration.ofSeconds(60));

        assertThat(status).as("readiness; the function's log:%n%s", Files.readString(log)).isEqualTo(200);
        assertThat(home.resolve(".quiver/orchestration/runs.mv.db")).as("the embedded database in the user's home")
                .isRegularFile();
        try (Stream<Path> files = Files.list(workingDirectory)) {
            assertThat(files.toList()).as("nothing written where it was started").isEqualTo(List.of());
        }
    }

    /** The readiness status once it is 200, or the last one (0: no answer) when the function ends or time is up. */
    private int awaitReadiness(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int status = 0;
        while (function.isAlive() && System.nanoTime() < deadline) {
            try {
                status = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return status;
                }
            } catch (IOException e) {
                status = 0;
            }
            Thread.sleep(250);
        }
        return status;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
