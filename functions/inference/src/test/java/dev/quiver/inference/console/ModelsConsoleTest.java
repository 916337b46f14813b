package dev.quiver.inference.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import dev.quiver.testservices.HeadlessChromium;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The models console in a real headless Chromium against the running function and its real ONNX models: the digits
 * model's version is listed as READY, and requests sent to it show in its traffic without a reload. Screenshots are
 * kept in {@code target/console-screenshots}. Skipped where Debian's chromium and chromium-driver are not installed.
 */
@QuarkusTest
@WithTestResource(StandardRepository.class)
class ModelsConsoleTest {

    private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/console/")
    URL console;

    private HeadlessChromium chromium;
    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() throws IOException {
        Assumptions.assumeTrue(HeadlessChromium.unavailable().isEmpty(), HeadlessChromium.unavailable()::get);
        Readiness.awaitReady();
        chromium = HeadlessChromium.start();
        browser = chromium.browser();
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void theModelsVersionsShowWithTheirStateAndTheirTrafficGrows() throws IOException {
        browser.get(console.toString());
        By digits = By.cssSelector("#versions tr[data-model='digits'][data-version='1']");
        // the page draws its table again at every poll: a row is read whole between two polls, or read again
        long before = page().until(() -> {
            WebElement row = browser.findElement(digits);
            assertThat(row.getDomAttribute("data-state")).isEqualTo("READY");
            assertThat(row.getText()).contains("digits", "READY");
            return Long.parseLong(row.getDomAttribute("data-requests"));
        }, requests -> requests >= 0);
        chromium.screenshot("models-01");

        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                + Digits.pixelsJson(2) + "}]}";
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body(body).post("/v2/models/digits/infer").then().statusCode(200);
        }
        page().untilAsserted(() -> {
            WebElement now = browser.findElement(digits);
            assertThat(Long.parseLong(now.getDomAttribute("data-requests"))).as("the traffic, polled")
                    .isGreaterThanOrEqualTo(before + 3);
            assertThat(now.findElement(By.className("requests")).getText()).contains("200: ");
        });
        chromium.screenshot("models-02-traffic");
    }

    /** The page draws itself again at every poll: an element found may be gone when read, and is looked for again. */
    private static ConditionFactory page() {
        return await().atMost(PAGE_WAIT).ignoreExceptionsInstanceOf(WebDriverException.class);
    }
}
