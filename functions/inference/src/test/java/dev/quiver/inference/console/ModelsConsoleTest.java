package dev.quiver.inference.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The models console in a real headless Chromium against the running function and its real ONNX models: the digits
 * model's version is listed as READY, and requests sent to it show in its traffic without a reload. Screenshots are
 * kept in {@code target/console-screenshots}. Skipped where Debian's chromium and chromium-driver are not installed.
 */
@QuarkusTest
@WithTestResource(StandardRepository.class)
class ModelsConsoleTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/console/")
    URL console;

    private ChromeDriver browser;
    private Path profile;

    @BeforeEach
    void startBrowser() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the console's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
                        + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver");
        Readiness.awaitReady();
        profile = Files.createTempDirectory("quiver-console-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless",
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void theModelsVersionsShowWithTheirStateAndTheirTrafficGrows() throws IOException {
        browser.get(console.toString());
        By digits = By.cssSelector("#versions tr[data-model='digits'][data-version='1']");
        WebElement row = await().atMost(PAGE_WAIT).until(() -> browser.findElements(digits).stream().findFirst()
                .orElse(null), found -> found != null);
        assertThat(row.getDomAttribute("data-state")).isEqualTo("READY");
        assertThat(row.getText()).contains("digits", "READY");
        long before = Long.parseLong(row.getDomAttribute("data-requests"));
        Files.write(SCREENSHOTS.resolve("models-01.png"), browser.getScreenshotAs(OutputType.BYTES));

        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                + Digits.pixelsJson(2) + "}]}";
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body(body).post("/v2/models/digits/infer").then().statusCode(200);
        }
        await().atMost(PAGE_WAIT).untilAsserted(() -> {
            WebElement now = browser.findElement(digits);
            assertThat(Long.parseLong(now.getDomAttribute("data-requests"))).as("the traffic, polled")
                    .isGreaterThanOrEqualTo(before + 3);
            assertThat(now.findElement(By.className("requests")).getText()).contains("200: ");
        });
        Files.write(SCREENSHOTS.resolve("models-02-traffic.png"), browser.getScreenshotAs(OutputType.BYTES));
    }
}
