package dev.quiver.deploy.monitoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Prometheus's promtool (Debian's {@code prometheus} package ships it): the one on the {@code PATH}, else
 * {@code /usr/bin/promtool}.
 */
record Promtool(Path binary) {

    static final String MISSING = "promtool is not installed (on the PATH or at /usr/bin/promtool): the rules' unit "
            + "tests are skipped; install it with `apt-get install prometheus` (Debian, Ubuntu) to run them";

    static Optional<Promtool> find() {
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(folder -> !folder.isBlank()).map(folder -> Path.of(folder, "promtool"));
        return Stream.concat(onPath, Stream.of(Path.of("/usr/bin/promtool")))
                .filter(Files::isExecutable).findFirst().map(Promtool::new);
    }

    /** Runs promtool in {@code folder} (unit tests name their rule files relative to it). */
    Result run(Path folder, String... arguments) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                    .start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 60 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + binary + " ran", e);
        }
    }

    record Result(int exitCode, String output) {
    }
}
