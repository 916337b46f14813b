package dev.quiver.testservices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real browser for the tests of the functions' web consoles: Debian's Chromium, headless, driven through Selenium by
 * Debian's ChromeDriver, with a profile of its own that goes when it closes, and flags that keep it off the network
 * (a closed machine refuses its background connections). Screenshots go to {@code target/console-screenshots}.
 */
public final class HeadlessChromium implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private final ChromeDriver browser;
    private final Path profile;

    private HeadlessChromium(ChromeDriver browser, Path profile) {
        this.browser = browser;
        this.profile = profile;
    }

    /** Why no browser can run here, for the test to skip saying so; empty when one can. */
    public static Optional<String> unavailable() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER) ? Optional.empty()
                : Optional.of("the console's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM
                + ", " + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver");
    }

    public static HeadlessChromium start() throws IOException {
        Path profile = Files.createTempDirectory("quiver-console-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless",
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        Files.createDirectories(SCREENSHOTS);
        return new HeadlessChromium(new ChromeDriver(service, options), profile);
    }

    public ChromeDriver browser() {
        return browser;
    }

    /** Keeps what the page shows now as {@code target/console-screenshots/<name>.png}. */
    public void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() throws IOException {
        browser.quit();
        try (Stream<Path> files = Files.walk(profile)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
