package dev.quiver.inference.startup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged function started with the demo model, asked for a prediction over every entry point, as a scaled-from-
 * zero replica is. With {@code -Paot} this run is also the training run of the JDK's AOT cache, which records the
 * classes loaded and the methods profiled on these paths.
 */
@QuarkusIntegrationTest
@WithTestResource(FirstPredictionIT.DemoModel.class)
class FirstPredictionIT {

    @Test
    void everyEntryPointAnswersAndTheStartupPhasesAreExposed() {
        Readiness.awaitReady();
        List<Number> probabilities = given().contentType(ContentType.JSON)
                .body("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                        + Digits.pixelsJson(0) + "}]}")
                .post("/v2/models/digits/infer").then().statusCode(200)
                .extract().jsonPath().getList("outputs[0].data");
        assertThat(Digits.argmax(probabilities)).isZero();

        given().contentType(ContentType.JSON).body("{\"instances\":[" + Digits.pixelsJson(1) + "]}")
                .post("/v1/models/digits:predict").then().statusCode(200);
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"digits\",\"instances\":[" + Digits.pixelsJson(2) + "]}")
                .post("/predict").then().statusCode(200).body("model_version", equalTo("1"));
        given().contentType(ContentType.JSON)
                .header("ce-specversion", "1.0").header("ce-id", "first-prediction-it")
                .header("ce-source", "/quiver/tests").header("ce-type", "dev.quiver.inference.requested")
                .body("{\"model\":\"digits\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,64],\"data\":" + Digits.pixelsJson(3) + "}]}")
                .post("/").then().statusCode(200).header("ce-type", "dev.quiver.inference.completed");

        String metrics = Metrics.scrapeOnceExposed("quiver_startup_first_prediction_seconds");
        double total = Metrics.value(metrics, "quiver_startup_first_prediction_seconds");
        assertThat(total).isPositive();
        for (StartupPhase phase : StartupPhase.values()) {
            assertThat(metrics).contains("quiver_startup_phase_seconds{phase=\"" + phase.label() + "\"}");
        }
    }

    public static class DemoModel implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-first-prediction").withDigits("digits", 1);
            return Map.of("quiver.model-repository", repository.root().toString());
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
