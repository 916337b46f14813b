package dev.quiver.inference.startup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(StandardRepository.class)
class StartupMetricsTest {

    private static final String PHASE = "quiver_startup_phase_seconds{phase=\"%s\"}";
    private static final String TOTAL = "quiver_startup_first_prediction_seconds";

    @Test
    void theFirstPredictionSetsEveryPhaseAndTheTotalOnce() {
        Readiness.awaitReady();
        predict();
        String first = Metrics.scrapeOnceExposed(TOTAL);

        assertThat(first).contains("# TYPE quiver_startup_phase_seconds gauge")
                .contains("# TYPE " + TOTAL + " gauge");
        double total = Metrics.value(first, TOTAL);
        assertThat(total).isPositive();
        for (StartupPhase phase : StartupPhase.values()) {
            assertThat(first).as(phase.label()).containsPattern(Pattern.quote(PHASE.formatted(phase.label())));
            assertThat(Metrics.value(first, PHASE.formatted(phase.label()))).as(phase.label())
                    .isBetween(0.0, total);
        }
        assertThat(Metrics.value(first, PHASE.formatted("quarkus"))).isPositive();
        assertThat(Metrics.value(first, PHASE.formatted("session"))).as("the repository's sessions").isPositive();
        assertThat(Metrics.value(first, PHASE.formatted("warm_up"))).isPositive();
        // JVM, Quarkus and the way from ready to the first answer follow one another; loading overlaps them
        double sequential = Metrics.value(first, PHASE.formatted("jvm")) + Metrics.value(first, PHASE.formatted(
                "quarkus")) + Metrics.value(first, PHASE.formatted("first_response"));
        assertThat(sequential).isLessThanOrEqualTo(total + 1e-3);

        predict();
        String later = Metrics.scrape();
        assertThat(Metrics.value(later, TOTAL)).as("set once").isCloseTo(total, within(1e-9));
    }

    private static void predict() {
        given().contentType(ContentType.JSON)
                .body("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                        + Digits.pixelsJson(0) + "}]}")
                .post("/v2/models/digits/infer").then().statusCode(200);
    }
}
