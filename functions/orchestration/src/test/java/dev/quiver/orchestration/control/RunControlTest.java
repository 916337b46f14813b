package dev.quiver.orchestration.control;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.events.EventTypes;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Operators' orders through the packaged function in embedded mode, where {@code process} steps run as real local
 * processes: admins only; killing a running attempt kills its process and fails the step as cancelled; a restart runs
 * it again without using up a retry; cancelling a run (as an event) stops what runs and settles the rest; a rerun
 * from a step runs it and its dependents again, earlier attempts kept; every order recorded with who asked.
 */
@QuarkusTest
@WithTestResource(RunControlTest.Pipelines.class)
class RunControlTest {

    static final ApiKey.Issued ADMIN = ApiKey.issue("standard", "ops", true);
    static final ApiKey.Issued USER = ApiKey.issue("standard", "team", false);

    @Test
    void killRestartAndCancelStopTheProcessAndAreRecordedWithWhoAsked() {
        String run = request("slow");
        String marker = "sleep " + Pipelines.SLEEP;
        awaitStep(run, "wait", "RUNNING");
        assertThat(processes(marker)).as("the step's process runs").isPositive();

        given().contentType("application/json").body("{\"action\":\"kill\",\"instance\":\"wait\"}")
                .post("/runs/" + run + "/control").then().statusCode(401);
        given().header("X-API-Key", USER.key()).contentType("application/json")
                .body("{\"action\":\"kill\",\"instance\":\"wait\"}").post("/runs/" + run + "/control").then()
                .statusCode(403);
        admin().body("{\"action\":\"kill\",\"instance\":\"nothing\"}").post("/runs/" + run + "/control").then()
                .statusCode(400).body("error", containsString("has no step instance nothing; instances: after, wait"));

        admin().body("{\"action\":\"kill\",\"instance\":\"wait\",\"reason\":\"stuck\"}")
                .post("/runs/" + run + "/control").then().statusCode(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> processes(marker) == 0);
        JsonPath killed = given().get("/runs/" + run).then().extract().jsonPath();
        assertThat(killed.getString("state")).isEqualTo("FAILED");
        assertThat(killed.getString("steps.find { it.instance == 'wait' }.reason"))
                .isEqualTo("Cancelled: killed by key:" + ADMIN.stored().id() + " (stuck)");
        assertThat(killed.getString("steps.find { it.instance == 'after' }.state")).isEqualTo("UPSTREAM_FAILED");
        given().get("/runs/" + run + "/steps/wait").then().body("attempts[0].state", equalTo("CANCELLED"))
                .body("attempts[0].errorClass", equalTo("Cancelled"));
        admin().body("{\"action\":\"kill\",\"instance\":\"wait\"}").post("/runs/" + run + "/control").then()
                .statusCode(409).body("error", containsString("not running: nothing to kill"));

        admin().body("{\"action\":\"restart\",\"instance\":\"wait\"}").post("/runs/" + run + "/control").then()
                .statusCode(202);
        awaitStep(run, "wait", "RUNNING");
        assertThat(given().get("/runs/" + run).then().extract().jsonPath().getString("state")).isEqualTo("RUNNING");
        given().get("/runs/" + run + "/steps/wait").then().body("attempts.size()", equalTo(2));
        await().atMost(Duration.ofSeconds(20)).until(() -> processes(marker) == 1);

        given().header("X-API-Key", ADMIN.key()).header("ce-specversion", "1.0")
                .header("ce-type", EventTypes.RUN_CONTROL_REQUESTED).header("ce-source", "/ops/console")
                .header("ce-id", UUID.randomUUID().toString()).contentType("application/json")
                .body("{\"runId\":\"" + run + "\",\"action\":\"cancel\",\"requestedBy\":\"alice\"}").post("/")
                .then().statusCode(204);
        await().atMost(Duration.ofSeconds(20)).until(() -> processes(marker) == 0);
        JsonPath cancelled = given().get("/runs/" + run).then().extract().jsonPath();
        assertThat(cancelled.getString("state")).isEqualTo("CANCELLED");
        assertThat(cancelled.getString("steps.find { it.instance == 'after' }.reason"))
                .startsWith("the run was cancelled by alice via /ops/console");

        JsonPath controls = given().get("/runs/" + run + "/controls").then().statusCode(200).extract().jsonPath();
        assertThat(controls.getList("action")).containsExactly("kill", "restart", "cancel");
        assertThat(controls.getList("requestedBy")).containsExactly("key:" + ADMIN.stored().id(),
                "key:" + ADMIN.stored().id(), "alice via /ops/console");
        assertThat(controls.getString("[0].reason")).isEqualTo("stuck");
    }

    @Test
    void aControlEventFromACallerWhoIsNoAdminIsRefused() {
        given().header("X-API-Key", USER.key()).header("ce-specversion", "1.0")
                .header("ce-type", EventTypes.RUN_CONTROL_REQUESTED).header("ce-source", "/team")
                .header("ce-id", UUID.randomUUID().toString()).contentType("application/json")
                .body("{\"runId\":\"r\",\"action\":\"cancel\"}").post("/").then().statusCode(403)
                .body("error", containsString("admins and from the broker only"));
    }

    @Test
    void aRerunFromAStepRunsItAndItsDependentsAgainKeepingEarlierAttempts() {
        String run = request("quick");
        awaitState(run, "SUCCEEDED");

        admin().body("{\"action\":\"rerun\",\"instance\":\"second\"}").post("/runs/" + run + "/control").then()
                .statusCode(202);
        awaitState(run, "SUCCEEDED");

        given().get("/runs/" + run + "/steps/first").then().body("attempts.size()", equalTo(1));
        for (String instance : List.of("second", "third")) {
            given().get("/runs/" + run + "/steps/" + instance).then().body("attempts.size()", equalTo(2))
                    .body("attempts[0].state", equalTo("SUCCEEDED")).body("attempts[1].state", equalTo("SUCCEEDED"));
        }
        given().get("/runs/" + run + "/controls").then().body("[0].action", equalTo("rerun"))
                .body("[0].instance", equalTo("second"));
    }

    private static RequestSpecification admin() {
        return given().header("X-API-Key", ADMIN.key()).contentType("application/json");
    }

    private static long processes(String marker) {
        return ProcessHandle.allProcesses().filter(process -> process.info().commandLine().orElse("")
                .contains(marker)).count();
    }

    private static String request(String pipeline) {
        String id = UUID.randomUUID().toString();
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\":\"" + pipeline + "\"}").post("/").then().statusCode(204);
        return given().queryParam("pipeline", pipeline).get("/runs").then().statusCode(200)
                .extract().jsonPath().getString("[0].id");
    }

    private static void awaitState(String run, String state) {
        await().atMost(Duration.ofSeconds(40)).until(() -> state.equals(given().get("/runs/" + run).then()
                .extract().jsonPath().getString("state")));
    }

    private static void awaitStep(String run, String instance, String state) {
        await().atMost(Duration.ofSeconds(40)).until(() -> state.equals(given().get("/runs/" + run).then()
                .extract().jsonPath().getString("steps.find { it.instance == '" + instance + "' }.state")));
    }

    public static class Pipelines implements QuarkusTestResourceLifecycleManager {

        /** Seconds the slow step sleeps: its command line tells its process apart. */
        static final int SLEEP = 3187;

        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-run-control");
                Path pipelines = Files.createDirectories(root.resolve("pipelines"));
                Files.writeString(pipelines.resolve("slow.yaml"), """
                        pipeline: slow
                        version: 1
                        steps:
                          - {name: wait, executor: process, retry: {max-attempts: 1}, params: {command: [sleep, "%d"]}}
                          - {name: after, executor: process, depends: [wait], params: {command: ["true"]}}
                        """.formatted(SLEEP));
                Files.writeString(pipelines.resolve("quick.yaml"), """
                        pipeline: quick
                        version: 1
                        steps:
                          - {name: first, executor: process, params: {command: ["true"]}}
                          - {name: second, executor: process, depends: [first], params: {command: ["true"]}}
                          - {name: third, executor: process, depends: [second], params: {command: ["true"]}}
                        """);
                String store = "keys:\n" + KeyStoreEntry.of(ADMIN.stored()) + KeyStoreEntry.of(USER.stored());
                Files.writeString(root.resolve("keys.yaml"), store);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.state", root.toString(),
                    "quiver.orchestration.pipelines", root.resolve("pipelines").toString(),
                    "quiver.admission.keys-file", root.resolve("keys.yaml").toString());
        }

        @Override
        public void stop() {
        }
    }
}
