package dev.quiver.orchestration.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.pipeline.PipelineFiles;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The outbox is sent as often as {@code quiver.orchestration.relay-interval} says, below a second too (the default is
 * 250 ms): with a sink that refuses every connection, each round tries the waiting event once and counts a failure,
 * so the count over a window is the number of rounds in it. Each round starts the interval after the last ended, so
 * the window bounds the count from above; a busy machine can only make rounds later, so the count is checked against
 * what a once-a-second scheduler could give rather than against exactly four a second.
 */
@QuarkusTest
@WithTestResource(RelayIntervalTest.UnreachableSink.class)
class RelayIntervalTest {

    @Inject
    MeterRegistry meters;

    @Test
    void aRelayIntervalOf250MillisecondsRunsFourRoundsASecond() throws InterruptedException {
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", UUID.randomUUID().toString())
                .contentType("application/json").body("{\"pipeline\":\"model-selection\"}")
                .post("/").then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> failures() > 0);

        long start = System.nanoTime();
        double before = failures();
        Thread.sleep(4000);
        double rounds = failures() - before;
        long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

        assertThat(rounds).as("rounds in %d ms at 250 ms: never more often than the interval", elapsedMillis)
                .isLessThanOrEqualTo(elapsedMillis / 250 + 1);
        assertThat(rounds).as("rounds in %d ms at 250 ms: more than once a second could give", elapsedMillis)
                .isGreaterThanOrEqualTo(elapsedMillis / 1000 + 2);
    }

    private double failures() {
        return meters.counter("quiver.orchestration.events.send.failures").count();
    }

    public static class UnreachableSink implements QuarkusTestResourceLifecycleManager {

        private Path state;

        @Override
        public Map<String, String> start() {
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                closedPort = socket.getLocalPort();
                state = Files.createTempDirectory("quiver-orchestration-relay");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.state", state.toString(),
                    "quiver.orchestration.pipelines", PipelineFiles.FOLDER.toString(),
                    "quiver.orchestration.sink", "http://127.0.0.1:" + closedPort,
                    "quiver.orchestration.relay-interval", "250ms",
                    "quiver.orchestration.internal-ticks", "false");
        }

        @Override
        public void stop() {
            try (var files = Files.walk(state)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
