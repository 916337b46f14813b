package dev.quiver.orchestration.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;

import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The quickstart's store: with no database configured, runs live in the embedded H2 file under the state folder; and
 * the pipeline folder is read again every few seconds from the start.
 */
@QuarkusTest
@WithTestResource(EmbeddedStoreTest.Embedded.class)
class EmbeddedStoreTest {

    @Test
    void aRunIsStoredInTheEmbeddedDatabase() {
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", UUID.randomUUID().toString())
                .contentType("application/json").body("{\"pipeline\":\"model-selection\",\"version\":2}")
                .post("/").then().statusCode(204);
        EventSink.Received ingest = await().atMost(Duration.ofSeconds(10)).until(() -> Embedded.sink.events()
                .stream().filter(event -> EventTypes.STEP_DISPATCHED.equals(event.type())).findFirst()
                .orElse(null), found -> found != null);
        assertThat(ingest.data().path("instance").asText()).isEqualTo("ingest");
        assertThat(Embedded.state.resolve("runs.mv.db")).exists();
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aPipelineFileAddedAfterTheStartIsRegisteredWithinSeconds() throws IOException {
        Files.writeString(Embedded.pipelines.resolve("late.yaml"), """
                pipeline: late
                version: 1
                steps:
                  - {name: only, executor: kubernetes-job}
                """);
        // scans every 5 s: two of them plus slack for a loaded machine, far below the minute a first scan once waited
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                given().get("/pipelines").then().statusCode(200).body("name", hasItem("late")));
    }

    /** Where the stores differ: H2 keeps a NUL character in text, which PostgreSQL refuses (RunEventsTest). */
    @Test
    void theEmbeddedDatabaseKeepsAMessageWithANulCharacter() {
        String requestId = UUID.randomUUID().toString();
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", requestId).contentType("application/json")
                .body("{\"pipeline\":\"model-selection\",\"parameters\":{\"tag\":\"" + requestId + "\"}}")
                .post("/").then().statusCode(204);
        String run = RunCoordinator.runId("/tests", requestId);
        await().atMost(Duration.ofSeconds(10)).until(() -> Embedded.sink.events().stream().anyMatch(event ->
                EventTypes.STEP_DISPATCHED.equals(event.type()) && event.data().path("runId").asText().equals(run)));
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.STEP_FAILED)
                .header("ce-source", "/executors/test").header("ce-id", UUID.randomUUID().toString())
                .contentType("application/json").body("{\"runId\":\"" + run + "\",\"instance\":\"ingest\","
                        + "\"attempt\":1,\"errorClass\":\"NetworkError\",\"message\":\"reset\\u0000\"}")
                .post("/").then().statusCode(204);
    }

    public static class Embedded implements QuarkusTestResourceLifecycleManager {

        static volatile EventSink sink;
        static volatile Path state;
        static volatile Path pipelines;

        @Override
        public Map<String, String> start() {
            sink = new EventSink();
            try {
                state = Files.createTempDirectory("quiver-orchestration-state");
                pipelines = Files.createDirectories(state.resolve("pipelines"));
                try (Stream<Path> shipped = Files.list(PostgresStack.pipelineFolder())) {
                    for (Path file : shipped.toList()) {
                        Files.copy(file, pipelines.resolve(file.getFileName()));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.state", state.toString(),
                    "quiver.orchestration.pipelines", pipelines.toString(),
                    "quiver.orchestration.sink", sink.uri().toString(),
                    "quiver.orchestration.relay-interval", "50ms");
        }

        @Override
        public void stop() {
            sink.close();
            try (Stream<Path> files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
