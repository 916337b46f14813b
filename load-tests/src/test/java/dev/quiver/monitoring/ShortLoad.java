package dev.quiver.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A short real load on both functions that gives every dashboard panel something to show: predictions over v2 and
 * {@code /predict}, answers that fail their model's output checks until the version is taken out of service,
 * anonymous requests past their burst (429) and requests with a key nobody issued (401); on the orchestration function
 * two pipeline runs, the second of higher priority so that the pool preempts the first, both late for their SLAs, and a
 * dead letter.
 */
final class ShortLoad {

    /** The first row of the digits data set: a 0. */
    static final String DIGIT = "[0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,"
            + "8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0]";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI inference;
    private final URI orchestration;

    ShortLoad(URI inference, URI orchestration) {
        this.inference = inference;
        this.orchestration = orchestration;
    }

    /** Within the anonymous burst the test's inference function allows (40). */
    void predictions() throws IOException, InterruptedException {
        List<Integer> statuses = new ArrayList<>();
        String v2 = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + DIGIT + "}]}";
        for (int i = 0; i < 12; i++) {
            statuses.add(post(inference.resolve("/v2/models/digits/infer"), v2, Map.of()).statusCode());
            statuses.add(post(inference.resolve("/predict"), predict("digits"), Map.of()).statusCode());
        }
        assertThat(statuses).as("digits predictions").containsOnly(200);
    }

    /**
     * {@code digits-checked} declares its output at most 0.5, which a confident answer breaks: its fallback answers
     * for it, and after 3 of 5 failed checks the version is taken out of service, so what follows fails (5xx).
     */
    void answersFailingTheirChecks() throws IOException, InterruptedException {
        List<HttpResponse<String>> fallbacks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fallbacks.add(post(inference.resolve("/predict"), predict("digits-checked"), Map.of()));
        }
        assertThat(fallbacks).allSatisfy(answer -> assertThat(answer.body()).as("answered by the fallback chain")
                .contains("\"fallback\""));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = 200;
        while (status < 500 && System.nanoTime() < deadline) {
            Thread.sleep(300);
            status = post(inference.resolve("/predict"), predict("digits-checked"), Map.of()).statusCode();
        }
        assertThat(status).as("a request to the version taken out of service").isGreaterThanOrEqualTo(500);
    }

    /** Spends the rest of the anonymous burst, until a 429; and a key nobody issued: 401. */
    void refusals() throws IOException, InterruptedException {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 200 && !statuses.contains(429); i++) {
            statuses.add(post(inference.resolve("/predict"), predict("digits"), Map.of()).statusCode());
        }
        for (int i = 0; i < 3; i++) {
            statuses.add(post(inference.resolve("/predict"), predict("digits"), Map.of("X-API-Key", "qk_not_issued"))
                    .statusCode());
        }
        assertThat(statuses).as("requests past the burst, and with a key nobody issued").contains(429, 401);
    }

    /** A run of {@code observed}, then, while its first step holds the pool's only cpu, one of {@code urgent}. */
    void pipelineRuns() throws IOException, InterruptedException {
        assertThat(runRequested("observed-1", "observed").statusCode()).isBetween(200, 299);
        awaitRunning("observed");
        assertThat(runRequested("urgent-1", "urgent").statusCode()).isBetween(200, 299);
    }

    void deadLetter() throws IOException, InterruptedException {
        HttpResponse<String> answer = post(orchestration.resolve("/dead-letters"), "{\"pipeline\": \"gone\"}", Map.of(
                "ce-specversion", "1.0", "ce-id", "undeliverable-1", "ce-source", "/test/broker",
                "ce-type", "dev.quiver.pipeline.run.requested", "ce-knativeerrorcode", "500",
                "ce-knativeerrordest", "http://quiver-orchestration.quiver.svc.cluster.local/"));
        assertThat(answer.statusCode()).as("dead letter: %s", answer.body()).isEqualTo(202);
    }

    /** Waits until the orchestration function has seen both runs end. */
    void awaitRunsEnded(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String runs = "";
        while (System.nanoTime() < deadline) {
            runs = get(orchestration.resolve("/runs")).body();
            if (runs.split("\"SUCCEEDED\"", -1).length - 1 == 2) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the two runs did not succeed within " + timeout + ": " + runs);
    }

    private void awaitRunning(String pipeline) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (get(orchestration.resolve("/pool/workloads?queue=default")).body().contains("ADMITTED")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no step of " + pipeline + " admitted within 10 s: "
                + get(orchestration.resolve("/pool/workloads?queue=default")).body());
    }

    private HttpResponse<String> runRequested(String id, String pipeline) throws IOException, InterruptedException {
        return post(orchestration.resolve("/"), "{\"pipeline\": \"" + pipeline + "\"}", Map.of("ce-specversion",
                "1.0", "ce-id", id, "ce-source", "/test/load", "ce-type", "dev.quiver.pipeline.run.requested"));
    }

    private static String predict(String model) {
        return "{\"model\": \"" + model + "\", \"instances\": [" + DIGIT + "]}";
    }

    private HttpResponse<String> post(URI target, String json, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI target) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
