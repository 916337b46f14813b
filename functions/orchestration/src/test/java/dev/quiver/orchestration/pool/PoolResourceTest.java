package dev.quiver.orchestration.pool;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.pool.scheduler.PoolEvent;
import dev.quiver.pool.scheduler.Workload;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code GET /pool} and {@code GET /pool/workloads} of the function reading a pool file of its own. */
@QuarkusTest
@WithTestResource(PoolResourceTest.PoolFile.class)
class PoolResourceTest {

    @Inject
    PoolStore store;

    @Test
    void showsEachQueuesUsageBorrowingAndWaitingWorkAsJsonAndMetricsAndAQueuesWorkloadsInOrder() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 3; i++) {
            Instant at = now.plusSeconds(i);
            store.handle(new PoolEvent.Submitted(new Workload("w" + i, "team", "normal", 100, true,
                    Map.of("cpu", 1000L), 1, at), at));
        }

        JsonPath pool = given().get("/pool").then().statusCode(200)
                .body("resources", contains("cpu"))
                .body("queues.name", contains("team", "other", "serving"))
                .body("queues[0].nominal.cpu", equalTo("1"))
                .body("queues[0].usage.cpu", equalTo("2"))
                .body("queues[0].borrowed.cpu", equalTo("1"))
                .body("queues[0].admitted", equalTo(2))
                .body("queues[0].pending", equalTo(1))
                .body("queues[0].pendingByPriority.normal", equalTo(1))
                .body("queues[1].usage.cpu", equalTo("0"))
                .body("queues[0].desired.cpu", equalTo("3"))
                .body("capacity.cpu", equalTo("4"))
                .extract().jsonPath();
        // serving's queue may hold the replicas another test's demand report left: the pool's figure is every queue's
        int desired = pool.getList("queues.desired.cpu", String.class).stream().mapToInt(Integer::parseInt).sum();
        assertThat(pool.getString("desired.cpu")).isEqualTo(Integer.toString(desired));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).as("what a Prometheus trigger (KEDA) reads")
                .contains("quiver_pool_desired{resource=\"cpu\"} " + desired + ".0")
                .contains("quiver_pool_capacity{resource=\"cpu\"} 4.0")
                .contains("quiver_pool_queue_usage{queue=\"team\",resource=\"cpu\"} 2.0")
                .contains("quiver_pool_queue_borrowed{queue=\"team\",resource=\"cpu\"} 1.0")
                .contains("quiver_pool_queue_desired{queue=\"team\",resource=\"cpu\"} 3.0")
                .contains("quiver_pool_queue_pending{priority_class=\"normal\",queue=\"team\"} 1.0")
                .contains("quiver_pool_queue_admitted{queue=\"team\"} 2.0")
                .contains("quiver_pool_admission_wait_seconds_count{priority_class=\"normal\",queue=\"team\"} 2.0")
                .contains("quiver_pool_admission_wait_seconds_bucket{priority_class=\"normal\",queue=\"team\",")
                .as("the bucket the pool's alert counts longer waits above")
                .contains("quiver_pool_admission_wait_seconds_bucket{priority_class=\"normal\",queue=\"team\","
                        + "le=\"30.0\"}");
        double longest = Pattern.compile("quiver_pool_admission_wait_seconds_bucket\\{[^}]*queue=\"team\","
                        + "le=\"([0-9.]+)\"").matcher(metrics).results()
                .mapToDouble(bucket -> Double.parseDouble(bucket.group(1))).max().orElseThrow();
        assertThat(longest).as("the longest wait a bucket tells from longer ones (s)").isGreaterThanOrEqualTo(6 * 3600);
        given().queryParam("queue", "team").get("/pool/workloads").then().statusCode(200)
                .body("id", contains("w0", "w1", "w2"))
                .body("status", contains("ADMITTED", "ADMITTED", "PENDING"))
                .body("[2].request.cpu", equalTo("1"));
    }

    @Test
    void aServingReplicasDemandHoldsWorkloadsOfItsQueueAndABrokenReportIsRefused() {
        String report = """
                {"function": "inference", "replica": "inference-1-abc", "sequence": %d,
                 "observedAt": "2026-01-01T00:00:00Z", "models": [{"model": "digits", "inFlight": 2, "queued": 1}],
                 "replicas": 2, "resources": {"cpu": "2"}}""";
        for (int delivery = 0; delivery < 2; delivery++) {
            event("demand-1").body(report.formatted(1)).post("/").then().statusCode(204);
        }
        given().queryParam("queue", "serving").get("/pool/workloads").then().statusCode(200)
                .body("status", contains("ADMITTED", "ADMITTED"))
                .body("id", contains("serving/inference/inference-1-abc/1.1", "serving/inference/inference-1-abc/1.2"));
        event("demand-0").body(report.formatted(0)).post("/").then().statusCode(400)
                .body("error", containsString("sequence"));
        event("demand-2").body(report.formatted(2).replace("\"replica\": \"inference-1-abc\", ", "")).post("/")
                .then().statusCode(400).body("error", containsString("replica"));
        given().queryParam("queue", "serving").get("/pool/workloads").then().statusCode(200)
                .body("status", contains("ADMITTED", "ADMITTED"))
                .body("id", contains("serving/inference/inference-1-abc/1.1", "serving/inference/inference-1-abc/1.2"));
    }

    private static RequestSpecification event(String id) {
        return given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", id)
                .header("ce-source", "/quiver/inference").header("ce-type", "dev.quiver.serving.demand.reported");
    }

    @Test
    void aMissingOrUnknownQueueIsAClientError() {
        given().get("/pool/workloads").then().statusCode(400)
                .body("error", equalTo("query parameter queue: expected the name of a queue, one of team, other, "
                        + "serving"));
        given().queryParam("queue", "nowhere").get("/pool/workloads").then().statusCode(404)
                .body("error", equalTo("query parameter queue: the pool has no queue \"nowhere\"; it has team, "
                        + "other, serving"));
    }

    /** The embedded store in a folder of its own, a pool of two queues that share two cpus, and serving's queue. */
    public static class PoolFile implements QuarkusTestResourceLifecycleManager {

        private Path state;
        private Path file;

        @Override
        public Map<String, String> start() {
            Map<String, String> settings = new HashMap<>();
            try {
                state = Files.createTempDirectory("quiver-orchestration-state");
                file = Files.createTempFile("quiver-pool", ".yaml");
                Files.writeString(file, """
                        resources: [cpu]
                        cohorts:
                          all: {}
                        queues:
                          team: {cohort: all, quota: {cpu: 1}}
                          other: {cohort: all, quota: {cpu: 1}}
                          serving: {quota: {cpu: 2}}
                        work: {default-queue: team}
                        serving:
                          inference: {queue: serving, replica: {cpu: 1}, concurrency: 2}
                        """);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            settings.put("quiver.orchestration.state", state.toString());
            settings.put("quiver.pool.file", file.toString());
            return settings;
        }

        @Override
        public void stop() {
            try (Stream<Path> files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
