package dev.quiver.inference.admission;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.testservices.RawHttp;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replica's budget of request body bytes read at once (1 MB here): past it a request is shed with 503 and
 * Retry-After on its headers, before a byte of its body is read, whoever sends it, and a body sent in chunks once the
 * bytes it brought no longer fit; health answers meanwhile; the budget comes back once a body's response has gone out.
 */
@QuarkusTest
@WithTestResource(BodyBudgetTest.SmallBudget.class)
class BodyBudgetTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final String CHUNKED = "POST /predict HTTP/1.1\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked";
    private static final byte[] DIGIT = ("{\"model\": \"digits\", \"instances\": [[" + "0,".repeat(63) + "0]]}")
            .getBytes(StandardCharsets.UTF_8);
    private static final String RESERVED = "quiver_admission_body_bytes_reserved_bytes";

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void bodiesPastTheBudgetAreShedBeforeTheyAreRead() throws Exception {
        try (RawHttp held = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 900000", new byte[1000])) {
            // the held body is reserved once the function reads its headers: the others come once the budget shows it
            await().atMost(ANSWER).until(() -> Metrics.value(Metrics.scrape(), RESERVED),
                    reserved -> reserved >= 900_000);
            try (RawHttp second = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: "
                    + "application/json\r\nContent-Length: 200000", new byte[0])) {
                RawHttp.Answer shed = second.answer(ANSWER);
                assertThat(shed.status()).isEqualTo(503);
                assertThat(shed.headers()).containsEntry("retry-after", "1");
                JsonObject problem = new JsonObject(shed.body());
                assertThat(problem.getString("limit")).isEqualTo("bodies");
                assertThat(problem.getString("error")).contains("quiver.admission.pool.max-body-bytes");
            }
            try (RawHttp small = RawHttp.send(CHUNKED, RawHttp.chunk(DIGIT))) {
                small.sendMore(RawHttp.LAST_CHUNK);
                assertThat(small.answer(ANSWER).status()).as("a small body in chunks counts what it brings")
                        .isEqualTo(200);
            }
            try (RawHttp large = RawHttp.send(CHUNKED, RawHttp.chunk(new byte[200_000]))) {
                RawHttp.Answer shed = large.answer(ANSWER);
                assertThat(shed.status()).as("900,000 + 200,000 bytes is more than 1 MiB").isEqualTo(503);
                assertThat(shed.headers()).containsEntry("connection", "close");
                assertThat(new JsonObject(shed.body()).getString("limit")).isEqualTo("bodies");
            }
            given().get("/q/health/live").then().statusCode(200);
            given().get("/v2/health/live").then().statusCode(200);
            given().get("/q/metrics").then().statusCode(200);

            held.sendMore(new byte[899_000]);
            assertThat(held.answer(ANSWER).status()).as("the held body, zeros, is read and refused").isEqualTo(400);
        }
        given().contentType("application/json").body("{\"inputs\": []," + " ".repeat(300_000) + "}")
                .post("/v2/models/digits/infer").then().statusCode(400);
    }

    public static class SmallBudget implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-body-budget").withDigits("digits", 1);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.admission.pool.max-body-bytes", "1M");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
