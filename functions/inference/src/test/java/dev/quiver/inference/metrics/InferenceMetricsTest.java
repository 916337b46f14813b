package dev.quiver.inference.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(StandardRepository.class)
class InferenceMetricsTest {

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void requestsBatchesAndModelsShowUpAsPrometheusHistograms() {
        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                + Digits.pixelsJson(2) + "}]}";
        double before = count(scrape(), "quiver_inference_request_seconds_count",
                "model=\"digits\",protocol=\"v2\",status=\"200\",version=\"1\"");
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body(body).post("/v2/models/digits/infer").then().statusCode(200);
        }
        given().contentType(ContentType.JSON).body("{\"inputs\":[]}").post("/v2/models/digits/infer")
                .then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"inputs\":[]}").post("/v2/models/made-up-name/infer")
                .then().statusCode(404);

        String metrics = scrape();
        assertThat(metrics).contains("# TYPE quiver_inference_request_seconds histogram");
        assertThat(count(metrics, "quiver_inference_request_seconds_count",
                "model=\"digits\",protocol=\"v2\",status=\"200\",version=\"1\"")).isEqualTo(before + 3);
        assertThat(count(metrics, "quiver_inference_request_seconds_count",
                "model=\"digits\",protocol=\"v2\",status=\"400\",version=\"1\"")).isGreaterThanOrEqualTo(1);
        assertThat(count(metrics, "quiver_inference_request_seconds_count",
                "model=\"_unknown\",protocol=\"v2\",status=\"404\",version=\"\"")).isGreaterThanOrEqualTo(1);
        assertThat(metrics).doesNotContain("made-up-name");
        assertThat(metrics).contains("# TYPE quiver_inference_queue_seconds histogram")
                .contains("# TYPE quiver_inference_compute_seconds histogram")
                .contains("# TYPE quiver_inference_batch_items histogram")
                .contains("quiver_inference_batch_items_bucket{model=\"digits\",version=\"1\",le=\"1.0\"}");
        assertThat(count(metrics, "quiver_inference_batch_flushes_total",
                "model=\"digits\",reason=\"idle\",version=\"1\"")).isGreaterThanOrEqualTo(3);
        assertThat(count(metrics, "quiver_model_versions", "state=\"READY\""))
                .isEqualTo(ModelRepositoryFixture.IDENTITY_TYPES.size() + 8);
        assertThat(count(metrics, "quiver_model_versions", "state=\"FAILED\"")).isZero();
    }

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double count(String metrics, String name, String labels) {
        Matcher matcher = Pattern.compile("^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$",
                Pattern.MULTILINE).matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }
}
