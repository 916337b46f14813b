package dev.quiver.testservices;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A program from one of Debian's packages that some tests need (promtool and prometheus, say): the machine's own, on
 * the {@code PATH} or in {@code /usr/bin}, else the package's files fetched once with {@code apt-get download} and
 * unpacked with {@code dpkg-deb -x} into {@code ~/.cache/quiver/debian/<package>}. Unpacked, not installed: nothing
 * changes on the machine and no service of the package starts. Empty where neither is possible (not Debian, no
 * package index, no network), for the test to skip saying so.
 */
public final class DebianProgram {

    private static final long TIMEOUT_MINUTES = 5;

    private DebianProgram() {
    }

    /** @return the program, or empty with the reason already reported */
    public static Optional<Path> find(String program, String debianPackage) {
        Optional<Path> installed = LocalPrograms.onPath(program)
                .or(() -> Optional.of(Path.of("/usr/bin", program)).filter(Files::isExecutable));
        if (installed.isPresent()) {
            return installed;
        }
        Path folder = LocalPrograms.cache().resolve("debian").resolve(debianPackage);
        Path unpacked = folder.resolve("root/usr/bin").resolve(program);
        if (Files.isExecutable(unpacked)) {
            return Optional.of(unpacked);
        }
        if (LocalPrograms.onPath("apt-get").isEmpty() || LocalPrograms.onPath("dpkg-deb").isEmpty()) {
            ServiceReport.say("%s is not installed and this is no Debian machine to fetch the %s package on",
                    program, debianPackage);
            return Optional.empty();
        }
        try {
            return Optional.of(unpack(debianPackage, folder)).map(root -> root.resolve("usr/bin").resolve(program))
                    .filter(Files::isExecutable);
        } catch (IOException | IllegalStateException e) {
            ServiceReport.say("%s is not installed and Debian's %s package could not be fetched: %s", program,
                    debianPackage, e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Path unpack(String debianPackage, Path folder) throws IOException, InterruptedException {
        Files.createDirectories(folder);
        Path download = Files.createTempDirectory(folder, "download-");
        try {
            ServiceReport.say("fetching Debian's %s package into %s", debianPackage, folder);
            if (run(download, "apt-get", "download", debianPackage) != 0) {
                // a machine whose package index was never fetched: fetch it (as root), then try once more
                run(download, "apt-get", "update");
                if (run(download, "apt-get", "download", debianPackage) != 0) {
                    throw new IllegalStateException("apt-get download " + debianPackage + " failed: "
                            + Files.readString(download.resolve("log"), StandardCharsets.UTF_8).strip());
                }
            }
            Path deb;
            try (Stream<Path> files = Files.list(download)) {
                deb = files.filter(file -> file.toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("apt-get download left no .deb in " + download));
            }
            Path staging = download.resolve("root");
            if (run(download, "dpkg-deb", "-x", deb.toString(), staging.toString()) != 0) {
                throw new IllegalStateException("dpkg-deb -x " + deb.getFileName() + " failed: "
                        + Files.readString(download.resolve("log"), StandardCharsets.UTF_8).strip());
            }
            Path root = folder.resolve("root");
            try {
                Files.move(staging, root, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isDirectory(root)) {
                    throw raced;
                }
            }
            return root;
        } finally {
            delete(download);
        }
    }

    private static int run(Path folder, String... command) throws IOException, InterruptedException {
        Path log = folder.resolve("log");
        Process process = new ProcessBuilder(List.of(command)).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " took longer than " + TIMEOUT_MINUTES
                    + " minutes: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        return process.exitValue();
    }

    private static void delete(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
