package dev.quiver.orchestration.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.sun.net.httpserver.HttpServer;
import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.events.EventTypes;
import dev.quiver.testservices.HeadlessChromium;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * The runs console in a real headless Chromium against the running function: a run started through the API is
 * listed, its graph has a node per step instance, a step's state changes on the page after its completed event
 * without a reload, and the admin-only data (admission usage) is refused without an admin key, the page saying so.
 * Screenshots are kept in {@code target/console-screenshots}. Skipped where Debian's chromium and chromium-driver are
 * not installed.
 */
@QuarkusTest
@WithTestResource(RunConsoleTest.Stack.class)
class RunConsoleTest {

    static final ApiKey.Issued ADMIN = ApiKey.issue("standard", "ops", true);
    private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/console/")
    URL console;

    private HeadlessChromium chromium;
    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() throws IOException {
        Assumptions.assumeTrue(HeadlessChromium.unavailable().isEmpty(), HeadlessChromium.unavailable()::get);
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
    void aRunShowsAsAGraphWhoseStepStateChangesAfterAnEvent() throws IOException {
        event(EventTypes.PIPELINE_RUN_REQUESTED, "{\"pipeline\":\"console\"}");
        String run = await().atMost(PAGE_WAIT).until(() -> given().queryParam("pipeline", "console").get("/runs")
                .then().statusCode(200).extract().jsonPath().getString("[0].id"), id -> id != null);
        event(EventTypes.STEP_HEARTBEAT, "{\"runId\":\"" + run + "\",\"instance\":\"ingest\",\"attempt\":1,"
                + "\"observedAt\":\"2026-11-23T10:00:00Z\",\"progressPercent\":40,\"memoryBytes\":24117248}");

        given().get("/pipelines/console/versions/1").then().statusCode(200)
                .body("depends.ingest", equalTo(List.of())).body("depends.train", equalTo(List.of("ingest")))
                .body("depends.report", equalTo(List.of("train")));

        browser.get(console.toString());
        By listed = By.cssSelector("#runs tr[data-run='" + run + "']");
        page().untilAsserted(() -> assertThat(text(listed)).contains(run, "console", "RUNNING"));
        page().untilAsserted(() -> assertThat(text("#usage"))
                .as("admission usage is for admins: refused without a key, and the page says so")
                .contains("/admission/usage: 401", "an API key is needed"));
        chromium.screenshot("run-01-runs-without-key");

        click(listed);
        page().untilAsserted(() -> {
            assertThat(browser.findElements(By.cssSelector("#graph g.node"))).as("a node per step instance")
                    .hasSize(3);
            assertThat(nodeText("ingest")).doesNotContain("SUCCEEDED");
            assertThat(browser.findElements(By.cssSelector("#graph .edgePaths path"))).as("ingest->train->report")
                    .hasSize(2);
        });
        click(By.cssSelector("#steps tr[data-instance='ingest']"));
        page().untilAsserted(() -> {
            assertThat(browser.findElements(By.cssSelector("#attempts tbody tr"))).hasSize(1);
            assertThat(browser.executeScript("return Chart.getChart('series-chart')?.data.datasets[0].data"))
                    .as("the step's first series, memory_bytes, plotted").isEqualTo(List.of(24117248L));
        });
        click(By.cssSelector("#series option[value='progress_percent']"));
        page().untilAsserted(() -> assertThat(browser.executeScript(
                "return Chart.getChart('series-chart').data.datasets[0].data")).as("the series the user chose")
                .isEqualTo(List.of(40L)));
        chromium.screenshot("run-02-run-graph");

        event(EventTypes.STEP_COMPLETED, "{\"runId\":\"" + run + "\",\"instance\":\"ingest\",\"attempt\":1,"
                + "\"metrics\":{\"rows\":1000}}");
        page().untilAsserted(() -> {
            assertThat(browser.findElement(By.cssSelector("#steps tr[data-instance='ingest']"))
                    .getDomAttribute("data-state")).isEqualTo("SUCCEEDED");
            assertThat(nodeText("ingest")).as("the graph redrawn by polling").contains("SUCCEEDED");
            assertThat(browser.findElement(By.cssSelector("#attempts tbody tr")).getText()).contains("SUCCEEDED");
        });
        chromium.screenshot("run-03-step-succeeded");

        browser.findElement(By.id("api-key")).sendKeys(ADMIN.key());
        click(By.cssSelector("#key-form button[type=submit]"));
        page().untilAsserted(() -> assertThat(text("#usage")).doesNotContain("401")
                .startsWith("{"));
        chromium.screenshot("run-04-admin-usage");
    }

    private String nodeText(String instance) {
        return browser.findElements(By.cssSelector("#graph g.node")).stream().map(WebElement::getText)
                .filter(text -> text.startsWith(instance)).findFirst().orElse("");
    }

    private String text(String selector) {
        return text(By.cssSelector(selector));
    }

    private String text(By selector) {
        return browser.findElement(selector).getText();
    }

    /** Clicks what the selector finds, found again if the page redrew it in between. */
    private void click(By selector) {
        page().until(() -> {
            browser.findElement(selector).click();
            return true;
        }, clicked -> clicked);
    }

    private static void event(String type, String json) {
        given().header("ce-specversion", "1.0").header("ce-type", type).header("ce-source", "/executors/test")
                .header("ce-id", UUID.randomUUID().toString()).contentType("application/json").body(json).post("/")
                .then().statusCode(204);
    }

    /**
     * A pipeline of three Job steps, whose events the test sends as their executor would; an admin's key; and a sink
     * standing in for the broker that accepts every event.
     */
    public static class Stack implements QuarkusTestResourceLifecycleManager {

        private HttpServer sink;

        @Override
        public Map<String, String> start() {
            try {
                Path root = Files.createTempDirectory("quiver-console");
                Path pipelines = Files.createDirectories(root.resolve("pipelines"));
                Files.writeString(pipelines.resolve("console.yaml"), """
                        pipeline: console
                        version: 1
                        steps:
                          - {name: ingest, executor: kubernetes-job}
                          - {name: train, executor: kubernetes-job, depends: [ingest]}
                          - {name: report, executor: kubernetes-job, depends: [train]}
                        """);
                Files.writeString(root.resolve("keys.yaml"), "keys:\n" + KeyStoreEntry.of(ADMIN.stored()));
                sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                sink.createContext("/", exchange -> {
                    exchange.getRequestBody().readAllBytes();
                    exchange.sendResponseHeaders(202, -1);
                    exchange.close();
                });
                sink.start();
                return Map.of("quiver.orchestration.state", root.toString(),
                        "quiver.orchestration.pipelines", pipelines.toString(),
                        "quiver.orchestration.sink", "http://127.0.0.1:" + sink.getAddress().getPort() + "/",
                        "quiver.admission.keys-file", root.resolve("keys.yaml").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            if (sink != null) {
                sink.stop(0);
            }
        }
    }

    /** The page draws itself again at every poll: an element found may be gone when read, and is looked for again. */
    private static ConditionFactory page() {
        return await().atMost(PAGE_WAIT).ignoreExceptionsInstanceOf(WebDriverException.class);
    }
}
