package dev.quiver.deploy.monitoring;

import dev.quiver.testservices.DebianProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's promtool from Debian's {@code prometheus} package: the machine's, or the package's unpacked into the
 * user's cache ({@link DebianProgram}).
 */
record Promtool(Path binary) {

    static final String MISSING = "promtool is not installed and Debian's prometheus package could not be fetched: "
            + "the rules' unit tests are skipped; install it with `apt-get install prometheus` (Debian, Ubuntu) to run "
            + "them";

    static Optional<Promtool> find() {
        return DebianProgram.find("promtool", "prometheus").map(Promtool::new);
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
