package dev.quiver.inference.routing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Shadow scoring through real HTTP: the candidate gets a copy of the requests off the answer's path, and its answers
 * are compared with the serving version's on {@code GET /v2/models/{name}/shadow}.
 */
@QuarkusTest
@WithTestResource(RoutingRepository.class)
class ShadowScoringTest {

    @Test
    void anIdenticalCandidateAgreesOnEveryRow() {
        Readiness.awaitReady();
        int[] row = {0};
        JsonPath shadow = scoreUntilCompared("digits", 30, () -> "{\"inputs\":[{\"name\":\"input\","
                + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + Digits.pixelsJson(row[0]++) + "}]}");
        assertThat(shadow.getString("shadow.candidate_version")).isEqualTo("2");
        assertThat(shadow.getString("results[0].serving_version")).isEqualTo("1");
        assertThat(shadow.getString("results[0].compare")).isEqualTo("argmax");
        assertThat(shadow.getLong("results[0].rows")).isEqualTo(shadow.getLong("results[0].compared"));
        assertThat(shadow.getDouble("results[0].agreement")).isEqualTo(1.0);
        assertThat(shadow.getDouble("results[0].latency_ms.candidate.p50")).isPositive();
        assertThat(Metrics.scrape()).contains("quiver_shadow_agreement{candidate_version=\"2\",model=\"digits\","
                + "serving_version=\"1\"} 1.0");
    }

    @Test
    void aDifferentCandidateAgreesOnTheRowsItGetsRight() {
        Readiness.awaitReady();
        // the candidate answers zeros: its argmax is always 0, the serving version's is where the input peaks, 0 in
        // the first row of each request and 2 in the second
        JsonPath shadow = scoreUntilCompared("different", 10, () -> "{\"inputs\":[{\"name\":\"x\","
                + "\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[5,0,0,0,0,0,5,0]}]}");
        assertThat(shadow.getString("results[0].compare")).isEqualTo("argmax");
        assertThat(shadow.getLong("results[0].rows")).isEqualTo(2 * shadow.getLong("results[0].compared"));
        assertThat(shadow.getDouble("results[0].agreement")).isEqualTo(0.5);
    }

    @Test
    void aRegressorsErrorsAreMeasured() {
        Readiness.awaitReady();
        JsonPath shadow = scoreUntilCompared("regress", 10, () -> "{\"inputs\":[{\"name\":\"x\","
                + "\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6,7,8]}]}");
        assertThat(shadow.getString("results[0].compare")).isEqualTo("values");
        assertThat(shadow.getLong("results[0].error.values")).isEqualTo(8 * shadow.getLong("results[0].compared"));
        assertThat(shadow.getDouble("results[0].error.mean_absolute")).isEqualTo(2.0);
        assertThat(shadow.getDouble("results[0].error.rmse")).isEqualTo(2.0);
        assertThat(shadow.getDouble("results[0].error.max")).isEqualTo(2.0);
    }

    @Test
    void aSlowCandidateChangesNeitherTheAnswerNorItsLatency() {
        Readiness.awaitReady();
        String body = "{\"id\":\"same\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[0.5,1.5,2.5,3.5]}]}";
        // the same version with and without a shadow: the same bytes but for the model's name
        String plain = post("plain", body);
        String shadowed = post("slowshadow", body);
        assertThat(shadowed.replace("\"model_name\":\"slowshadow\"", "\"model_name\":\"plain\"")).isEqualTo(plain);

        List<Long> without = new ArrayList<>();
        List<Long> with = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            post("plain", body);
            post("slowshadow", body);
        }
        for (int i = 0; i < 100; i++) {
            without.add(timed("plain", body));
            with.add(timed("slowshadow", body));
        }
        double p50Without = median(without) / 1e6;
        double p50With = median(with) / 1e6;
        JsonPath shadow = awaitCompared("slowshadow", 1);
        double candidateP50 = shadow.getDouble("results[0].latency_ms.candidate.p50");
        // each candidate run takes tens of milliseconds; had the caller waited for it, its median would be at least
        // that much longer than without a shadow
        assertThat(candidateP50).isGreaterThan(10);
        assertThat(p50With).as("caller p50 with a slow shadow (%.2f ms) against without (%.2f ms), the candidate's "
                + "runs taking %.2f ms", p50With, p50Without, candidateP50).isLessThan(p50Without + candidateP50 / 2);
        // copies arrive faster than the candidate runs them: the bounded queue drops the rest and counts them
        assertThat(shadow.getLong("results[0].dropped")).isPositive();
    }

    @Test
    void aSlowCandidateCrowdsOutNoOtherModelsCopies() {
        Readiness.awaitReady();
        String slow = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[0.5,1.5,2.5,3.5]}]}";
        String fast = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4,5,6,7,8]}]}";
        long slowDropped = dropped(shadow("slowshadow"));
        JsonPath fastBefore = shadow("regress");
        long fastCompared = fastBefore.getList("results").isEmpty() ? 0 : fastBefore.getLong("results[0].compared");
        long fastDropped = dropped(fastBefore);
        // a burst fills the slow candidate's line (8 copies in these tests), each copy taking it tens of milliseconds
        // or more: a second of work waits; the other model's burst of as many copies then arrives
        int copies = 8;
        atOnce(20, () -> post("slowshadow", slow));
        atOnce(copies, () -> post("regress", fast));
        assertThat(dropped(shadow("slowshadow"))).as("the slow candidate's line was full").isGreaterThan(slowDropped);
        JsonPath fastAfter = await().atMost(Duration.ofSeconds(30)).until(() -> shadow("regress"),
                json -> json.getLong("results[0].compared") + json.getLong("results[0].errors")
                        + json.getLong("results[0].dropped") >= fastCompared + fastDropped + copies);
        assertThat(dropped(fastAfter)).as("the other model's copies dropped").isEqualTo(fastDropped);
        assertThat(fastAfter.getLong("results[0].compared")).isEqualTo(fastCompared + copies);
    }

    private static long dropped(JsonPath shadow) {
        return shadow.getList("results").isEmpty() ? 0 : shadow.getLong("results[0].dropped");
    }

    /** Sends {@code requests} requests at once and returns when every one is answered. */
    private static void atOnce(int requests, Runnable request) {
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture.allOf(IntStream.range(0, requests)
                    .mapToObj(i -> CompletableFuture.runAsync(request, senders))
                    .toArray(CompletableFuture[]::new)).join();
        }
    }

    private static JsonPath shadow(String model) {
        return given().get("/v2/models/" + model + "/shadow").then().statusCode(200).extract().jsonPath();
    }

    private static String post(String model, String body) {
        return given().contentType("application/json").body(body).post("/v2/models/" + model + "/infer").then()
                .statusCode(200).extract().asString();
    }

    private static long timed(String model, String body) {
        long start = System.nanoTime();
        post(model, body);
        return System.nanoTime() - start;
    }

    private static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /**
     * Sends requests until the candidate has compared {@code compared} of them: copies that find their model's line of
     * the shadow queue full are dropped, as they should be.
     */
    private static JsonPath scoreUntilCompared(String model, long compared, Supplier<String> body) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            post(model, body.get());
            return given().get("/v2/models/" + model + "/shadow").then().statusCode(200).extract().jsonPath();
        }, json -> json.getList("results").size() == 1 && json.getLong("results[0].compared") >= compared);
    }

    private static JsonPath awaitCompared(String model, long compared) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> given().get("/v2/models/" + model + "/shadow").then().statusCode(200).extract().jsonPath(),
                json -> json.getList("results").size() == 1 && json.getLong("results[0].compared") >= compared);
    }
}
