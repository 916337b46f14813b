package dev.quiver.inference.rollout;

import static dev.quiver.inference.fixtures.VersionStates.awaitState;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import dev.quiver.inference.fixtures.AlertCatcher;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Rollouts end to end, over HTTP with real ONNX models in a repository folder, the controller ticking every second:
 * a canary whose answers leave the range its version declares (its output checks refuse them) is rolled back with an
 * alert, one as good as the stable version is promoted, and only admins may start, see or end a rollout. Traffic goes to explicit versions, as
 * routing by weight is not what is tested here: the controller's own accounting of each version is.
 */
@QuarkusTest
@WithTestResource(RolloutEndpointsTest.Repository.class)
class RolloutEndpointsTest {

    static final ApiKey.Issued ADMIN = ApiKey.issue("standard", "ops", true);
    static final ApiKey.Issued USER = ApiKey.issue("standard", "team-scores", false);
    static final ConcurrentLinkedQueue<String> ALERTS = new ConcurrentLinkedQueue<>();
    static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @Test
    void onlyAdminsStartSeeOrEndARollout() {
        given().contentType("application/json").body("{\"version\": 2}").post("/v2/models/ranged/rollout")
                .then().statusCode(401).body("error", containsString("model rollouts: an admin credential is "
                        + "required"));
        given().header("X-API-Key", USER.key()).get("/v2/models/ranged/rollout").then().statusCode(403);
        given().header("X-API-Key", USER.key()).post("/v2/models/ranged/rollout/promote").then().statusCode(403);
    }

    @Test
    void aBadRequestIsRefusedWithTheField() {
        awaitState("quiet", "2", "READY");
        refused("{\"version\": \"two\"}", 400, "version: expected a whole number from 1, got \"two\"");
        refused("{}", 400, "version: required, a whole number from 1");
        refused("{\"version\": 2, \"steps\": [5, 50]}", 400, "steps: the last step must be 100, got [5,50]");
        refused("{\"version\": 2, \"steps\": [50, 5, 100]}", 400, "steps[1]: expected rising whole percentages");
        refused("{\"version\": 2, \"bake\": \"soon\"}", 400, "bake: expected a duration of at most 7d");
        refused("{\"version\": 2, \"criteria\": {\"max_latency_ratio\": 0.5}}", 400,
                "criteria.max_latency_ratio: expected a number from 1 to 1000, got 0.5");
        refused("{\"version\": 2, \"speed\": 3}", 400, "speed: unknown field");
        refused("{\"version\": 9}", 404, "version: model quiet has no version 9");
        refused("{\"version\": 2, \"stable\": 2}", 400, "version: the canary must differ from the stable version 2");
        refused("{\"version\": 2, \"note\": \"" + "x".repeat(70_000) + "\"}", 413,
                "request body: the body sent is more than the 65536 bytes allowed (a rollout request's limit)");
        given().header("X-API-Key", ADMIN.key()).get("/v2/models/quiet/rollout").then().statusCode(404)
                .body("error", containsString("model quiet has no rollout"));
    }

    @Test
    void aCanaryWhoseAnswersFailTheirChecksIsRolledBack() throws Exception {
        awaitState("ranged", "1", "READY");
        awaitState("ranged", "2", "READY");
        start("ranged", "{\"version\": 2, \"steps\": [50, 100], \"bake\": \"1s\", \"criteria\": {\"min_requests\": 20}}")
                .then().statusCode(201).body("rollout.status", equalTo("running")).body("weight", equalTo(50))
                .body("rollout.stable_version", equalTo(1)).body("stored_in", equalTo(root.toString()));
        assertThat(routing("ranged").path("weights").toString()).isEqualTo("{\"stable\":50,\"canary\":50}");

        JsonPath finished = trafficUntilOver("ranged");
        assertThat(finished.getString("rollout.status")).isEqualTo("rolled_back");
        Map<String, Object> last = finished.getMap("rollout.history[-1]");
        assertThat(last).containsEntry("action", "ROLLBACK").containsEntry("step", 0);
        assertThat(last.get("by").toString()).startsWith("controller ");
        assertThat(finished.getList("rollout.history[-1].reasons", String.class)).anySatisfy(reason ->
                assertThat(reason).startsWith("output-check failure rate 100% against 0%"));
        assertThat(finished.getDouble("rollout.history[-1].figures.canary_output_check_failure_rate")).isEqualTo(1.0);
        assertThat(routing("ranged").path("weights").toString()).isEqualTo("{\"stable\":100}");
        assertThat(routing("ranged").path("aliases").toString()).isEqualTo("{\"stable\":1}");
        await().atMost(Duration.ofSeconds(10)).until(() -> ALERTS.stream().anyMatch(alert ->
                alert.startsWith("dev.quiver.model.alert.raised ") && alert.contains("\"canary-rolled-back\"")
                        && alert.contains("\"model\":\"ranged\"")));
        assertThat(Files.list(root.resolve("ranged/.rollout")).count()).as("each replica's figures").isEqualTo(1);

        given().header("X-API-Key", ADMIN.key()).post("/v2/models/ranged/rollout/promote").then().statusCode(409)
                .body("error", equalTo("model ranged: its rollout of version 2 is over (rolled_back)"));
        awaitState("ranged", "1", "READY");
    }

    @Test
    void aCanaryAsGoodAsTheStableVersionIsPromotedStepByStep() throws Exception {
        awaitState("tuned", "1", "READY");
        awaitState("tuned", "2", "READY");
        // latency is not what this test is about: on a shared test machine p99s of the same model vary by far more
        // than the 5 ms a production rollout allows, so 2 s are allowed here
        start("tuned", "{\"version\": 2, \"steps\": [50, 100], \"bake\": \"1s\", \"criteria\": "
                + "{\"min_requests\": 20, \"min_latency_increase_ms\": 2000}}").then().statusCode(201);
        start("tuned", "{\"version\": 2}").then().statusCode(409)
                .body("error", containsString("model tuned has a rollout under way: version 2 at 50%"));

        JsonPath finished = trafficUntilOver("tuned");
        assertThat(finished.getString("rollout.status")).isEqualTo("promoted");
        assertThat(finished.getList("rollout.history.action", String.class))
                .containsExactly("START", "ADVANCE", "PROMOTE");
        assertThat(finished.getInt("weight")).isEqualTo(100);
        assertThat(routing("tuned").path("aliases").toString()).isEqualTo("{\"stable\":2}");
        assertThat(routing("tuned").path("weights").toString()).isEqualTo("{\"stable\":100}");
        assertThat(ALERTS).noneMatch(alert -> alert.contains("\"model\":\"tuned\""));
    }

    @Test
    void aCanaryThatDisagreesWithTheStableVersionInTheShadowIsRolledBack() throws Exception {
        awaitState("shadowed", "1", "READY");
        awaitState("shadowed", "2", "READY");
        start("shadowed", "{\"version\": 2, \"steps\": [50, 100], \"bake\": \"1s\", \"criteria\": "
                + "{\"min_requests\": 20, \"min_latency_increase_ms\": 2000, \"signals\": "
                + "[{\"name\": \"shadow_agreement\", \"min_rate\": 0.9, \"min_trials\": 20}]}}")
                .then().statusCode(201);
        assertThat(routing("shadowed").path("shadow").path("version").asText()).as("the config's shadow is kept")
                .isEqualTo("2");

        JsonPath finished = trafficUntilOver("shadowed");
        assertThat(finished.getString("rollout.status")).isEqualTo("rolled_back");
        assertThat(finished.getList("rollout.history[-1].reasons", String.class))
                .anySatisfy(reason -> assertThat(reason).contains("shadow_agreement"));
        given().get("/v2/models/shadowed/shadow").then().statusCode(200);
    }

    @Test
    void anAdminPromotesByHand() throws Exception {
        awaitState("manual", "2", "READY");
        start("manual", "{\"version\": 2, \"stable\": 1}").then().statusCode(201).body("weight", equalTo(5))
                .body("judgement.decision", equalTo("WAIT"));
        given().header("X-API-Key", ADMIN.key()).post("/v2/models/manual/rollout/promote").then().statusCode(200)
                .body("rollout.status", equalTo("promoted"))
                .body("rollout.history[-1].by", equalTo("admin key:" + ADMIN.stored().id()))
                .body("rollout.history[-1].reasons[0]", equalTo("promoted by hand"));
        assertThat(routing("manual").path("aliases").toString()).isEqualTo("{\"stable\":2}");
    }

    private static Response start(String model, String body) {
        return given().header("X-API-Key", ADMIN.key()).contentType("application/json").body(body)
                .post("/v2/models/" + model + "/rollout");
    }

    private static void refused(String body, int status, String error) {
        start("quiet", body).then().statusCode(status).body("error", containsString(error));
    }

    /** Sends requests to both versions until the controller ends the rollout; its status then. */
    private static JsonPath trafficUntilOver(String model) {
        return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (int i = 0; i < 25; i++) {
                infer(model, 1);
                infer(model, 2);
            }
            return given().header("X-API-Key", ADMIN.key()).get("/v2/models/" + model + "/rollout").then()
                    .statusCode(200).extract().jsonPath();
        }, status -> !"running".equals(status.getString("rollout.status")));
    }

    /**
     * x = [60, 61, 62, 63]: version 1 of ranged answers 61 and up, version 2 110 and up, above the 100 its checks
     * allow; shadowed's version 2 answers a constant, whose argmax is never the last element, as version 1's is.
     */
    private static void infer(String model, int version) {
        Response answer = given().contentType("application/json")
                .body("{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\", "
                        + "\"data\": [60, 61, 62, 63]}]}")
                .post("/v2/models/" + model + "/versions/" + version + "/infer");
        if (answer.statusCode() == 200) {
            assertThat(answer.jsonPath().getString("model_version")).isEqualTo(Integer.toString(version));
        }
    }

    private JsonNode routing(String model) throws IOException {
        return JSON.readTree(root.resolve(model + "/routing.json").toFile());
    }

    public static class Repository implements QuarkusTestResourceLifecycleManager {

        private ModelRepositoryFixture repository;
        private AlertCatcher sink;

        @Override
        public Map<String, String> start() {
            sink = AlertCatcher.start(ALERTS);
            // every version served, and failed checks never take the canary out of service: the judge decides
            String config = "version_policy: all\noutput_checks: {failures: 1000, window: 1000}\n";
            String range = "{\"outputs\": {\"y\": {\"max\": 100}}}";
            repository = ModelRepositoryFixture.temporary("quiver-rollouts")
                    .withFile("ranged", "1/validation/validation.json", range)
                    .withFile("ranged", "2/validation/validation.json", range)
                    .withModel("ranged", 1, OnnxModels.addConstant(1))
                    .withModel("ranged", 2, OnnxModels.addConstant(50))
                    .withConfig("ranged", "config.yaml", config)
                    .withModel("tuned", 1, OnnxModels.addConstant(1))
                    .withModel("tuned", 2, OnnxModels.addConstant(2))
                    .withConfig("tuned", "config.yaml", config)
                    .withModel("quiet", 1, OnnxModels.addConstant(1))
                    .withModel("quiet", 2, OnnxModels.addConstant(2))
                    .withConfig("quiet", "config.yaml", config)
                    .withModel("manual", 1, OnnxModels.addConstant(1))
                    .withModel("manual", 2, OnnxModels.addConstant(2))
                    .withConfig("manual", "config.yaml", config)
                    .withModel("shadowed", 1, OnnxModels.addConstant(1))
                    .withModel("shadowed", 2, OnnxModels.constant(0.5f))
                    .withConfig("shadowed", "config.yaml", config + "routing: {shadow: {version: 2, share: 1}}\n");
            Path keys = repository.root().resolveSibling(repository.root().getFileName() + "-keys.yaml");
            String store = "keys:\n" + KeyStoreEntry.of(ADMIN.stored()) + KeyStoreEntry.of(USER.stored());
            try {
                Files.writeString(keys, store);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.admission.keys-file", keys.toString(),
                    "quiver.inference.rollout.tick", "1s",
                    "quiver.inference.alert-sink", sink.url());
        }

        @Override
        public void stop() {
            sink.close();
            ModelRepositoryFixture.delete(repository.root());
        }
    }
}
