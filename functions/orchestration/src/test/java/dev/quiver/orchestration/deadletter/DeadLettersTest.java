package dev.quiver.orchestration.deadletter;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.events.PostgresStack;
import dev.quiver.orchestration.events.Ticks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter sink over real HTTP on real PostgreSQL: events as Knative dead-letters them (binary and structured
 * mode, with its error extension attributes), recorded once per source and id, data cut at the cap, counted, listed
 * latest first; and what is refused.
 */
@QuarkusTest
@WithTestResource(PostgresStack.class)
class DeadLettersTest {

    @Inject
    DeadLetterStore store;

    @Inject
    Ticks ticks;

    @TestHTTPResource("/dead-letters")
    URI deadLetters;

    @Test
    void aBinaryDeadLetterIsRecordedWithKnativesErrorAttributesOnceAndCounted() {
        String source = "/tests/dead-letters/" + UUID.randomUUID();
        double before = counted("500");
        for (int delivery = 0; delivery < 2; delivery++) {
            given().header("ce-specversion", "1.0").header("ce-id", "event-1").header("ce-source", source)
                    .header("ce-type", EventTypes.STEP_COMPLETED).header("ce-subject", "train[0]")
                    .header("ce-knativeerrorcode", "500")
                    .header("ce-knativeerrordest", "http://quiver-orchestration.ml.svc.cluster.local/")
                    .header("ce-knativeerrordata", "eyJlcnJvciI6ImludGVybmFsIGVycm9yIn0=")
                    .contentType("application/json").body("{\"runId\":\"r-1\",\"instance\":\"train[0]\"}")
                    .post("/dead-letters").then().statusCode(202);
        }

        JsonPath letter = find(source);
        assertThat(letter.getString("id")).isEqualTo("event-1");
        assertThat(letter.getString("type")).isEqualTo(EventTypes.STEP_COMPLETED);
        assertThat(letter.getString("subject")).isEqualTo("train[0]");
        assertThat(letter.getString("errorCode")).isEqualTo("500");
        assertThat(letter.getString("errorDestination"))
                .isEqualTo("http://quiver-orchestration.ml.svc.cluster.local/");
        assertThat(letter.getString("errorData"))
                .isEqualTo("eyJlcnJvciI6ImludGVybmFsIGVycm9yIn0=");
        assertThat(letter.getString("data"))
                .isEqualTo("{\"runId\":\"r-1\",\"instance\":\"train[0]\"}");
        assertThat(letter.getString("dataContentType")).startsWith("application/json");
        assertThat(letter.getString("receivedAt")).isNotBlank();
        assertThat(counted("500")).as("a redelivery is not counted again")
                .isEqualTo(before + 1);
        assertThat(given().get("/dead-letters?limit=1000").jsonPath()
                .getList("findAll { it.source == '" + source + "' }")).hasSize(1);
    }

    @Test
    void aStructuredDeadLetterKeepsItsJsonDataCutAtTheCap() {
        String source = "/tests/dead-letters/" + UUID.randomUUID();
        String large = "x".repeat(DeadLetterRequest.MAX_DATA_BYTES + 100);
        given().contentType("application/cloudevents+json; charset=UTF-8")
                .body("{\"specversion\":\"1.0\",\"id\":\"event-2\",\"source\":\"" + source + "\",\"type\":\""
                        + EventTypes.INFERENCE_REQUESTED + "\",\"datacontenttype\":\"application/json\","
                        + "\"knativeerrorcode\":\"400\",\"knativeerrordest\":\"http://quiver-inference.ml/\","
                        + "\"data\":{\"model\":\"digits\",\"note\":\"" + large + "\"}}")
                .post("/dead-letters").then().statusCode(202);

        JsonPath letter = find(source);
        assertThat(letter.getString("errorCode")).isEqualTo("400");
        assertThat(letter.getString("subject")).isNull();
        assertThat(letter.getBoolean("dataTruncated")).isTrue();
        assertThat(letter.getLong("dataBytes"))
                .isGreaterThan(DeadLetterRequest.MAX_DATA_BYTES);
        assertThat(letter.getString("data"))
                .startsWith("{\"model\":\"digits\"").hasSize(DeadLetterRequest.MAX_DATA_BYTES);
    }

    @Test
    void binaryDataIsKeptAsBase64AndTextCutInsideACharacterStaysText() {
        String binarySource = "/tests/dead-letters/" + UUID.randomUUID();
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, (byte) 0xFF};
        given().header("ce-specversion", "1.0").header("ce-id", "image-1").header("ce-source", binarySource)
                .header("ce-type", EventTypes.INFERENCE_REQUESTED).contentType("image/png").body(png)
                .post("/dead-letters").then().statusCode(202);
        JsonPath binary = find(binarySource);
        assertThat(binary.getString("data")).isNull();
        assertThat(Base64.getDecoder().decode(binary.getString("dataBase64"))).isEqualTo(png);

        String textSource = "/tests/dead-letters/" + UUID.randomUUID();
        // "é" is two bytes in UTF-8; one more byte ahead of them puts the cap between the two
        String text = "x" + "é".repeat(DeadLetterRequest.MAX_DATA_BYTES);
        given().header("ce-specversion", "1.0").header("ce-id", "text-1").header("ce-source", textSource)
                .header("ce-type", EventTypes.INFERENCE_REQUESTED).contentType("text/plain; charset=UTF-8")
                .body(text.getBytes(StandardCharsets.UTF_8)).post("/dead-letters").then().statusCode(202);
        JsonPath cut = find(textSource);
        assertThat(cut.getString("dataBase64")).isNull();
        assertThat(cut.getBoolean("dataTruncated")).isTrue();
        assertThat(cut.getString("data")).isEqualTo(text.substring(0, (DeadLetterRequest.MAX_DATA_BYTES - 1) / 2 + 1));
    }

    @Test
    void theLatestComeFirstAndTheLimitHolds() {
        String source = "/tests/dead-letters/" + UUID.randomUUID();
        for (int i = 1; i <= 3; i++) {
            given().header("ce-specversion", "1.0").header("ce-id", "event-" + i).header("ce-source", source)
                    .header("ce-type", EventTypes.STEP_HEARTBEAT).contentType("application/json").body("{}")
                    .post("/dead-letters").then().statusCode(202);
        }
        given().get("/dead-letters?limit=2").then().statusCode(200).body("", hasSize(2))
                .body("[0].source", equalTo(source)).body("[0].id", equalTo("event-3"))
                .body("[0].data", equalTo("{}")).body("[0].dataBytes", equalTo(2));
    }

    @Test
    void anEventWithoutDataIsRecordedAtOnce() throws Exception {
        String source = "/tests/dead-letters/" + UUID.randomUUID();
        HttpRequest empty = HttpRequest.newBuilder(deadLetters)
                .timeout(Duration.ofSeconds(5)).header("ce-specversion", "1.0").header("ce-id", "event-5")
                .header("ce-source", source).header("ce-type", EventTypes.SCHEDULER_TICK)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThat(http.send(empty, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(202);
        }
        assertThat(find(source).getInt("dataBytes")).isZero();
    }

    @Test
    void whatIsNoCloudEventIsRefusedNamingTheAttribute() {
        given().header("ce-specversion", "1.0").header("ce-id", "event-4").header("ce-type", "t")
                .contentType("application/json").body("{}").post("/dead-letters").then().statusCode(400)
                .body("error", containsString("source"));
        given().contentType("application/cloudevents+json").body("[1, 2]")
                .post("/dead-letters").then().statusCode(400).body("error", containsString("JSON object"));
        given().get("/dead-letters?limit=0").then().statusCode(400).body("error", containsString("limit"));
    }

    @Test
    void aTickRemovesTheLettersPastTheirRetention() {
        String source = "/tests/dead-letters/" + UUID.randomUUID();
        Instant now = Instant.now();
        store.record(new DeadLetter(source, "old", EventTypes.STEP_COMPLETED, null, null, "500", null, null, null,
                null, 0, false, now.minus(Duration.ofDays(31))));
        store.record(new DeadLetter(source, "recent", EventTypes.STEP_COMPLETED, null, null, "500", null, null, null,
                null, 0, false, now.minus(Duration.ofDays(29))));

        ticks.fire();

        assertThat(given().get("/dead-letters?limit=1000").jsonPath()
                .getList("findAll { it.source == '" + source + "' }.id")).containsExactly("recent");
    }

    private static JsonPath find(String source) {
        String body = given().get("/dead-letters?limit=1000").then().statusCode(200).extract().asString();
        return new JsonPath(body).setRootPath("find { it.source == '" + source + "' }");
    }

    private static double counted(String code) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(line -> line.startsWith("quiver_orchestration_dead_letters_total{")
                        && line.contains("code=\"" + code + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }
}
