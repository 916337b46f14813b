package dev.quiver.testservices;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Azure Blob Storage emulator of the test run: the Azurite at {@value ServiceSettings#AZURITE_BLOB_ENDPOINT} when
 * it answers, otherwise Azurite from npm, installed once into {@code ~/.cache/quiver/azurite-<version>} (outside any
 * checkout), started once per JVM on a free loopback port with its data in a temporary folder, and stopped when the
 * JVM exits. Azurite is a Node.js program: where neither an Azurite answers nor node and npm are on the PATH, the
 * tests that need it are skipped ({@link RequiresAzurite}), saying so. Tests keep apart in containers of their own.
 */
public final class TestAzurite {

    /** The Azurite release the tests install. */
    static final String VERSION = "3.37.0";
    /** Azurite's well-known development account and key. */
    private static final String ACCOUNT = "devstoreaccount1";
    private static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String JVM_WIDE_KEY = "dev.quiver.testservices.azurite";
    private static TestAzurite shared;

    private final URI blobEndpoint;

    private TestAzurite(URI blobEndpoint) {
        this.blobEndpoint = blobEndpoint;
    }

    /** The emulator of this JVM's tests, started at the first call when there is none to use. */
    public static synchronized TestAzurite shared() {
        if (shared == null) {
            shared = start(ServiceSettings.current());
        }
        return shared;
    }

    /**
     * Why no Azurite can be had here, or empty when one answers at the configured address or can be started: the
     * tests that need it are skipped with this reason rather than failed on a machine with a JDK alone.
     */
    public static Optional<String> unavailable() {
        return unavailable(ServiceSettings.current(), System.getenv("PATH"));
    }

    static Optional<String> unavailable(ServiceSettings settings, String path) {
        if (System.getProperty(JVM_WIDE_KEY) != null || settings.choice() != ServiceSettings.Choice.EMBEDDED
                && settings.azuriteAddress().answers()) {
            return Optional.empty();
        }
        for (String tool : List.of("node", "npm")) {
            if (LocalPrograms.onPath(tool, path).isEmpty()) {
                return Optional.of("no Azurite answers at " + settings.azuriteBlobEndpoint() + " ("
                        + ServiceSettings.AZURITE_BLOB_ENDPOINT + ") and '" + tool + "' is not on the PATH to "
                        + "install and start Azurite " + VERSION + " from npm: install Node.js, or point "
                        + ServiceSettings.AZURITE_BLOB_ENDPOINT + " at a running Azurite");
            }
        }
        return Optional.empty();
    }

    static TestAzurite start(ServiceSettings settings) {
        Address configured = settings.azuriteAddress();
        if (settings.useConfigured("Azurite", ServiceSettings.AZURITE_BLOB_ENDPOINT, configured)) {
            ServiceReport.say("using the Azurite at %s", settings.azuriteBlobEndpoint());
            return new TestAzurite(settings.azuriteBlobEndpoint());
        }
        unavailable(settings, System.getenv("PATH")).ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        return new TestAzurite(URI.create(JvmWide.once(JVM_WIDE_KEY, () -> startOwn(configured))));
    }

    private static String startOwn(Address configured) {
        try {
            Path main = installed();
            Address address = Address.freeLoopback();
            Path data = Files.createTempDirectory("quiver-azurite");
            Process process = new ProcessBuilder(LocalPrograms.onPath("node").orElseThrow().toString(), main.toString(),
                    "--blobHost", address.host(), "--blobPort", Integer.toString(address.port()),
                    "--location", data.toString(), "--silent", "--skipApiVersionCheck", "--loose")
                    .redirectErrorStream(true).redirectOutput(data.resolve("azurite.log").toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process, data), "test-azurite-stop"));
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (!address.answers()) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    process.destroy();
                    throw new IllegalStateException("Azurite " + VERSION + " did not start on " + address + " within "
                            + START_TIMEOUT.toSeconds() + " s; its output: " + Files.readString(
                            data.resolve("azurite.log")));
                }
                Thread.sleep(200);
            }
            String endpoint = "http://" + address + "/" + ACCOUNT;
            ServiceReport.say("no Azurite to use at %s: started Azurite %s at %s", configured, VERSION, endpoint);
            return endpoint;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Azurite for the tests: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Azurite", e);
        }
    }

    /**
     * Stops Azurite and deletes its blobs, so that no test run leaves data behind. Killed outright: asked to stop, it
     * waits for the connections the test JVM still holds, and the JVM does not wait for that.
     */
    private static void stop(Process process, Path data) {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        } catch (IOException e) {
            ServiceReport.say("cannot delete Azurite's data at %s: %s", data, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Azurite's Blob service program, installed from npm into the cache at the first use. */
    private static Path installed() throws IOException, InterruptedException {
        Path folder = LocalPrograms.cache().resolve("azurite-" + VERSION);
        Path main = folder.resolve("node_modules/azurite/dist/src/blob/main.js");
        if (Files.isRegularFile(main)) {
            return main;
        }
        Files.createDirectories(folder);
        ServiceReport.say("installing Azurite %s from npm into %s", VERSION, folder);
        Path log = folder.resolve("npm-install.log");
        Process npm = new ProcessBuilder(LocalPrograms.onPath("npm").orElseThrow().toString(), "install", "--no-audit", "--no-fund",
                "--prefix", folder.toString(), "azurite@" + VERSION)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!npm.waitFor(INSTALL_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
            npm.destroy();
            throw new IllegalStateException("npm install azurite@" + VERSION + " took longer than "
                    + INSTALL_TIMEOUT.toMinutes() + " minutes; see " + log);
        }
        if (npm.exitValue() != 0 || !Files.isRegularFile(main)) {
            throw new IllegalStateException("npm install azurite@" + VERSION + " failed (exit " + npm.exitValue()
                    + "): " + Files.readString(log));
        }
        return main;
    }

    /** The Blob service endpoint, ending in the account name. */
    public URI blobEndpoint() {
        return blobEndpoint;
    }

    public String accountName() {
        return ACCOUNT;
    }

    public String accountKey() {
        return KEY;
    }
}
