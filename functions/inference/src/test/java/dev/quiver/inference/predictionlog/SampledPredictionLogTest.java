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
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A sample rate of 0.5 logs about half the predictions, each with both of its events. */
@QuarkusTest
@WithTestResource(SampledPredictionLogTest.HalfSampled.class)
class SampledPredictionLogTest {

    private static final int PREDICTIONS = 200;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aboutHalfThePredictionsAreLogged() {
        double before = delivered();
        for (int i = 0; i < PREDICTIONS; i++) {
            given().contentType(ContentType.JSON).body("{\"instances\":[" + Digits.pixelsJson(i) + "]}")
                    .post("/v1/models/digits:predict").then().statusCode(200);
        }
        double events = delivered() - before;
        // 100 predictions expected, standard deviation 7: these bounds are more than 5 deviations away
        assertThat(events % 2).as("a logged prediction has a request and a response event").isZero();
        assertThat(events / 2).isBetween(60.0, 140.0);
    }

    private static double delivered() {
        return Metrics.value(Metrics.scrape(), "quiver_prediction_log_events_total{outcome=\"delivered\"}");
    }

    public static class HalfSampled implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-sampled-log").withDigits("digits", 1);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.inference.prediction-log.enabled", "true",
                    "quiver.inference.prediction-log.sample-rate", "0.5");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
