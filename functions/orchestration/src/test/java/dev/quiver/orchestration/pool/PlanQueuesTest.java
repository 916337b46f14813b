package dev.quiver.orchestration.pool;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The pool file's {@code work.plans} over HTTP: a run requested by a caller the admission layer identified goes to
 * the queue of the caller's plan, whatever queue the caller would rather have; a delivery of the broker, whose sender
 * is not known, goes where its queue parameter says.
 */
@QuarkusTest
@WithTestResource(PlanQueuesTest.Files.class)
class PlanQueuesTest {

    static final ApiKey.Issued PRO = ApiKey.issue("pro", "team-vision", false);
    static final ApiKey.Issued STANDARD = ApiKey.issue("standard", "team-ads", false);

    @Test
    void twoCallersOnDifferentPlansLandInTheirPlansQueues() {
        String pro = request(given().header("X-API-Key", PRO.key()), "{}");
        String standard = request(given().header("X-API-Key", STANDARD.key()), "{}");

        assertThat(workloadsOf("interactive")).as("the pro plan's queue").contains(pro + "/hold/1")
                .doesNotContain(standard + "/hold/1");
        assertThat(workloadsOf("batch")).as("the standard plan's queue").contains(standard + "/hold/1")
                .doesNotContain(pro + "/hold/1");
        given().get("/runs/" + pro).then().body("parameters.queue", equalTo("interactive"));
    }

    @Test
    void aCallerNamingAnotherQueueThanItsPlansIsRefused() {
        given().header("X-API-Key", STANDARD.key()).header("ce-specversion", "1.0")
                .header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED).header("ce-source", "/tests")
                .header("ce-id", UUID.randomUUID().toString()).contentType("application/json")
                .body("{\"pipeline\":\"hold\",\"parameters\":{\"queue\":\"interactive\"}}").post("/").then()
                .statusCode(400).body("error", equalTo("parameters.queue: runs of callers on plan standard go to "
                        + "queue \"batch\"; expected that or no queue, got \"interactive\""));
    }

    @Test
    void theBrokersDeliveryGoesWhereItsQueueParameterSays() {
        String run = request(given(), "{\"queue\":\"interactive\"}");
        assertThat(workloadsOf("interactive")).contains(run + "/hold/1");
    }

    /** Requests a run of {@code hold} and waits until its step waits in, or is admitted to, the pool. */
    private static String request(RequestSpecification caller, String parameters) {
        String id = UUID.randomUUID().toString();
        caller.header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\":\"hold\",\"parameters\":" + parameters + "}").post("/").then().statusCode(204);
        String run = RunCoordinator.runId("/tests", id);
        await().atMost(Duration.ofSeconds(20)).until(() -> Stream.of("interactive", "batch")
                .anyMatch(queue -> workloadsOf(queue).contains(run + "/hold/1")));
        return run;
    }

    private static List<String> workloadsOf(String queue) {
        return given().queryParam("queue", queue).get("/pool/workloads").then().statusCode(200).extract().jsonPath()
                .getList("id", String.class);
    }

    /** Two queues, a plan of each, a key on each plan, and a pipeline whose step holds a cpu for a while. */
    public static class Files implements QuarkusTestResourceLifecycleManager {

        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = java.nio.file.Files.createTempDirectory("quiver-plan-queues");
                Path pipelines = java.nio.file.Files.createDirectories(root.resolve("pipelines"));
                java.nio.file.Files.writeString(pipelines.resolve("hold.yaml"), """
                        pipeline: hold
                        version: 1
                        steps:
                          - name: hold
                            executor: process
                            resources: {cpu: 1}
                            params: {command: [sleep, "600"]}
                        """);
                java.nio.file.Files.writeString(root.resolve("pool.yaml"), """
                        resources: [cpu]
                        queues:
                          interactive: {quota: {cpu: 4}}
                          batch: {quota: {cpu: 4}}
                        work:
                          default-queue: batch
                          plans: {pro: interactive, standard: batch}
                        """);
                java.nio.file.Files.writeString(root.resolve("plans.yaml"), """
                        plans:
                          pro:
                            limits: [{name: hourly, capacity: 1000, per: 1h}]
                        """);
                java.nio.file.Files.writeString(root.resolve("keys.yaml"), "keys:\n" + KeyStoreEntry.of(PRO.stored())
                        + KeyStoreEntry.of(STANDARD.stored()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.state", root.resolve("state").toString(),
                    "quiver.orchestration.pipelines", root.resolve("pipelines").toString(),
                    "quiver.pool.file", root.resolve("pool.yaml").toString(),
                    "quiver.admission.plans-file", root.resolve("plans.yaml").toString(),
                    "quiver.admission.keys-file", root.resolve("keys.yaml").toString());
        }

        @Override
        public void stop() {
            try (Stream<Path> files = java.nio.file.Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
