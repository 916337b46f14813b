package dev.quiver.inference.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Large uploads against the packaged function started with a 64 MB heap (the failsafe configuration sets
 * {@code quarkus.test.arg-line}), as an adversary sends them: forty 3 MB bodies at once, more than the heap holds
 * three times over, are shed with 503 and Retry-After before they are read, never an out-of-memory error; liveness
 * answers throughout; a shape that promises 48 MB of FP64 costs what its body holds, and a request whose data does
 * need more than the heap is a 503 the replica survives. Every caller here is anonymous with no rate limit or
 * concurrency cap, so only the replica's own bounds decide.
 */
@QuarkusIntegrationTest
@WithTestResource(UploadsSmallHeapIT.Unlimited.class)
class UploadsSmallHeapIT {

    private static final int ROWS = 12_000;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    /** The probes' own client: one client sends every request through one selector thread, uploads included. */
    private final HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void concurrentUploadsLargerThanTheHeapAreShedNotWedged() throws Exception {
        awaitReady();
        byte[] upload = digitsUpload();
        AtomicBoolean uploading = new AtomicBoolean(true);
        List<Long> probeMillis = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> probes = CompletableFuture.runAsync(() -> {
            while (uploading.get()) {
                long start = System.nanoTime();
                assertThat(probe("/q/health/live").statusCode()).isEqualTo(200);
                probeMillis.add((System.nanoTime() - start) / 1_000_000);
                pause(100);
            }
        });
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(uri("/v2/models/digits/infer"))
                    .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/octet-stream")
                    .header("Inference-Header-Content-Length", Integer.toString(header().length))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int served = 0;
        int shed = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.join();
            if (response.statusCode() == 200) {
                served++;
                assertThat(new JsonObject(response.body()).getJsonArray("outputs").getJsonObject(0)
                        .getJsonArray("shape").getInteger(0)).isEqualTo(ROWS);
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(new JsonObject(response.body()).getString("limit")).isIn("bodies", "pool");
                shed++;
            }
        }
        uploading.set(false);
        probes.join();
        assertThat(served).as("some are served").isPositive();
        assertThat(shed).as("the rest are shed, 3 MB bodies in an 8 MB budget").isPositive();
        assertThat(probeMillis).as("liveness answers while they are sent (ms; %d served, %d shed)", served, shed)
                .isNotEmpty().allSatisfy(millis -> assertThat(millis).isLessThan(2000L));
        HttpResponse<String> after = http.send(HttpRequest.newBuilder(uri("/v2/models/digits/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header().length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).as("an upload after the flood").isEqualTo(200);
    }

    @Test
    void aShapeThatPromisesMoreThanTheHeapCostsWhatTheBodyHolds() throws Exception {
        awaitReady();
        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[6000000,1],\"datatype\":\"FP64\",\"data\":[0"
                + " ".repeat(6_000_000) + "]}]}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v2/models/digits/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(new JsonObject(response.body()).getString("error"))
                .isEqualTo("inputs[0].data: expected 6000000 elements for shape [6000000, 1], got 1");
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void aRequestThatRunsOutOfMemoryIsA503AndTheReplicaGoesOn() throws Exception {
        awaitReady();
        // 6 million FP64 zeros in 12 MB of JSON: 48 MB decoded, more than the 64 MB heap holds beside the body
        StringBuilder body = new StringBuilder(12_100_000).append("{\"inputs\":[{\"name\":\"input\",\"shape\":"
                + "[6000000,1],\"datatype\":\"FP64\",\"data\":[0");
        body.append(",0".repeat(5_999_999)).append("]}]}");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v2/models/digits/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(new JsonObject(response.body()).getString("error")).startsWith("out of memory");
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> after = http.send(HttpRequest.newBuilder(uri("/v2/models/digits/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header().length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(digitsUpload())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).as("a request after").isEqualTo(200);
    }

    private static byte[] header() {
        return ("{\"inputs\":[{\"name\":\"input\",\"shape\":[" + ROWS + ",64],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + ROWS * 64 * 4 + "}}]}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] digitsUpload() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(header());
        body.writeBytes(new byte[ROWS * 64 * 4]);
        return body.toByteArray();
    }

    /** Ready, and liveness asked once, so that its first answer's class loading is not counted. */
    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (get("/v2/health/ready").statusCode() != 200) {
            assertThat(System.nanoTime() - deadline).as("ready within a minute").isNegative();
            pause(100);
        }
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> probe(String path) {
        return get(probe, path);
    }

    private HttpResponse<String> get(String path) {
        return get(http, path);
    }

    private static HttpResponse<String> get(HttpClient client, String path) {
        try {
            return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed", e);
        }
    }

    private static URI uri(String path) {
        return URI.create("http://localhost:" + RestAssured.port + path);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static class Unlimited implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-uploads").withDigits("digits", 1);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.admission.anonymous.requests-per-hour", "100000000",
                    "quiver.admission.anonymous.burst", "100000000",
                    "quiver.admission.anonymous.concurrency", "0");
        }

        @Override
        public void stop() {
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
