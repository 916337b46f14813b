package dev.quiver.inference.predictionlog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction log sent to a Kafka broker that is not there. A producer waits up to {@code max.block.ms} (here 20 s)
 * for a broker; predictions must not: they are answered at once, the function stays ready, and once
 * {@code capacity} events wait, further predictions are left out of the log and counted as dropped.
 */
@QuarkusTest
@WithTestResource(BrokerDownTest.AbsentBroker.class)
class BrokerDownTest {

    private static final int PREDICTIONS = 40;
    private static final int CAPACITY = 8;
    private static final String DROPPED = "quiver_prediction_log_events_total{outcome=\"dropped\"}";
    private static final String DELIVERED = "quiver_prediction_log_events_total{outcome=\"delivered\"}";

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void predictionsGoOnAndTheLogDropsWhatItCannotHold() {
        String before = Metrics.scrape();
        long start = System.nanoTime();
        for (int i = 0; i < PREDICTIONS; i++) {
            given().contentType(ContentType.JSON).body("{\"instances\":[" + Digits.pixelsJson(i) + "]}")
                    .post("/v1/models/digits:predict").then().statusCode(200);
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(seconds).as("%d predictions while the producer blocks 20 s for a broker", PREDICTIONS)
                .isLessThan(15);

        given().get("/q/health/ready").then().statusCode(200);
        String metrics = Metrics.scrape();
        assertThat(Metrics.value(metrics, "quiver_prediction_log_pending")).isEqualTo(CAPACITY);
        assertThat(Metrics.value(metrics, DROPPED) - Metrics.value(before, DROPPED))
                .isEqualTo(2 * PREDICTIONS - CAPACITY);
        assertThat(Metrics.value(metrics, DELIVERED) - Metrics.value(before, DELIVERED)).isZero();
    }

    public static class AbsentBroker implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-broker-down").withDigits("digits", 1);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.prediction-log.enabled", "true",
                    "mp.messaging.outgoing.predictions.connector", "smallrye-kafka",
                    "kafka.bootstrap.servers", "localhost:" + closedPort(),
                    "mp.messaging.outgoing.predictions.max.block.ms", "20000",
                    "quiver.inference.prediction-log.capacity", Integer.toString(CAPACITY));
        }

        private static int closedPort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
