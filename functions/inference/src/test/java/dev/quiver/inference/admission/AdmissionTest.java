package dev.quiver.inference.admission;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.testservices.RawHttp;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admission layer in front of the inference endpoints: anonymous callers run out, health and metrics never do,
 * neither dot segments nor CloudEvent headers lead past the limit, a refusal comes before the body is read, a key's
 * plan prices digits requests per item, and refusals come as problem JSON with the rate-limit fields.
 */
@QuarkusTest
@WithTestResource(AdmissionTest.LimitedRepository.class)
class AdmissionTest {

    static final ApiKey.Issued KEY = ApiKey.issue("metered", "team-digits", false);

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void anonymousCallersRunOutOnEveryEndpointButHealthAndMetrics() throws IOException {
        int served = 0;
        for (int i = 0; i < 6; i++) {
            int status = given().contentType(ContentType.JSON)
                    .body("{\"model\":\"digits\",\"instances\":[" + Digits.pixelsJson(i) + "]}")
                    .post("/predict").then().extract().statusCode();
            served += status == 200 ? 1 : 0;
        }
        assertThat(served).as("the readiness waits took none of the 5").isEqualTo(5);
        given().get("/v2/models/digits").then().statusCode(429)
                .contentType("application/problem+json")
                .header("RateLimit-Policy", "\"hourly\";q=5;w=3600")
                // one of 5 tokens an hour comes back every 720 s, less the time the 5 requests took
                .header("Retry-After", Integer::parseInt, both(greaterThan(700)).and(lessThanOrEqualTo(720)))
                .body("limit", equalTo("hourly"))
                .body("error", containsString("plan 'anonymous'"));
        for (String target : List.of("/q/../v2/models/digits", "/v2/health/%2e%2e/models/digits",
                "/v2/health/..%2F..%2Fv2/models/digits")) {
            try (RawHttp request = RawHttp.send("GET " + target + " HTTP/1.1", new byte[0])) {
                assertThat(request.answer(Duration.ofSeconds(10)).status()).as(target).isIn(404, 429);
            }
        }
        // CloudEvent headers do not lift the limit
        given().header("ce-specversion", "1.0").header("ce-source", "/made-up").header("ce-type", "x")
                .get("/v2/models/digits").then().statusCode(429);
        try (RawHttp upload = RawHttp.send("POST /v2/models/digits/infer HTTP/1.1\r\nContent-Type: "
                + "application/json\r\nContent-Length: 50000000", new byte[100])) {
            assertThat(upload.answer(Duration.ofSeconds(10)).status())
                    .as("refused on its headers, the 50 MB body unsent").isEqualTo(429);
        }
        given().get("/v2/health/ready").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("quiver_admission_decisions_total{outcome=\"limited\",plan=\"anonymous\"}"));
        given().header("X-API-Key", "qvk_000000000000_" + "A".repeat(43)).get("/v2/models/digits")
                .then().statusCode(401).body("error", containsString("API key"));
    }

    @Test
    void aPlanPricesDigitsRequestsByTheirItems() {
        given().header("X-API-Key", KEY.key()).contentType(ContentType.JSON)
                .body("{\"model\":\"digits\",\"instances\":[" + instances(8) + "]}")
                .post("/predict").then().statusCode(200)
                .header("RateLimit", "\"hourly\";r=19;t=90");
        // the header is written on arrival (one token); the 7 more of this 8-item request leave 12
        given().header("X-API-Key", KEY.key()).contentType(ContentType.JSON).body(v2Request(13))
                .post("/v2/models/digits/infer").then().statusCode(429)
                .contentType("application/problem+json")
                .body("error", containsString("this request costs 13 tokens"));
        given().header("Authorization", "Bearer " + KEY.key()).contentType(ContentType.JSON)
                .body("{\"instances\":[" + instances(11) + "]}")
                .post("/v1/models/digits:predict").then().statusCode(200);
        given().header("X-API-Key", KEY.key()).get("/v2/models/digits").then().statusCode(429)
                .body("plan", equalTo("metered"));
    }

    private static String v2Request(int items) {
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + items + ",64],\"datatype\":\"FP32\",\"data\":["
                + instances(items) + "]}]}";
    }

    private static String instances(int items) {
        return Collections.nCopies(items, Digits.pixelsJson(7)).stream().collect(Collectors.joining(","));
    }

    public static class LimitedRepository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-admission").withDigits("digits", 1);
            Path plans = repository.root().resolveSibling(repository.root().getFileName() + "-plans.yaml");
            Path keys = repository.root().resolveSibling(repository.root().getFileName() + "-keys.yaml");
            try {
                Files.writeString(plans, """
                        plans:
                          anonymous:
                            limits: [{name: hourly, capacity: 5, per: 1h}]
                            concurrency: 2
                          metered:
                            limits: [{name: hourly, capacity: 20, per: 30m}]
                            costs: {digits: item}
                        """);
                Files.writeString(keys, "keys:\n" + KeyStoreEntry.of(KEY.stored()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.admission.plans-file", plans.toString(),
                    "quiver.admission.keys-file", keys.toString(),
                    "quiver.admission.anonymous.concurrency", "2");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
