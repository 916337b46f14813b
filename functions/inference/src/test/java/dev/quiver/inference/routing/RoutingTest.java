package dev.quiver.inference.routing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.quiver.inference.fixtures.Metrics;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.modelconfig.ModelConfigDefaults;
import dev.quiver.inference.modelconfig.RoutingSpec;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Aliases and weighted sticky routing through real HTTP and CloudEvents, on a model whose version k adds k to its
 * input: every answer shows the version that computed it, and says so in {@code Quiver-Model-Version}.
 */
@QuarkusTest
@WithTestResource(RoutingRepository.class)
class RoutingTest {

    private static final String V2_REQUEST = """
            {"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[0,0,0,0]}]}""";

    @ConfigProperty(name = "quiver.model-repository")
    Path root;

    @Test
    void aUserKeepsTheVersionAnIndependentlyBuiltTableGivesIt() {
        Readiness.awaitReady();
        // the replica's table and one built here from the same config: the same version for every key
        RoutingTable here = RoutingTable.of("routed", ModelConfigDefaults.routing(new RoutingSpec(
                Map.of("stable", 1L, "canary", 2L), Map.of("stable", 50L, "canary", 50L), "header:X-User", null)));
        Set<String> versions = new HashSet<>();
        for (int user = 0; user < 40; user++) {
            String expected = Long.toString(here.choose("user-" + user, version -> true));
            for (int request = 0; request < 3; request++) {
                Response response = v2("user-" + user);
                assertThat(response.header(ModelVersionHeader.NAME)).isEqualTo(expected);
                assertThat(response.jsonPath().getString("model_version")).isEqualTo(expected);
                assertThat(response.jsonPath().getFloat("outputs[0].data[0]")).isEqualTo(Float.parseFloat(expected));
            }
            versions.add(expected);
        }
        assertThat(versions).containsExactlyInAnyOrder("1", "2");
        assertThat(Metrics.scrape()).containsPattern(
                "quiver_inference_routed_requests_total\\{model=\"routed\",route=\"weighted\",version=\"[12]\"}");
    }

    @Test
    void callersAskForAnAliasOnEveryProtocol() {
        Readiness.awaitReady();
        Response v2 = given().contentType("application/json").body(V2_REQUEST)
                .post("/v2/models/routed/versions/canary/infer").then().statusCode(200).extract().response();
        assertThat(v2.header(ModelVersionHeader.NAME)).isEqualTo("2");
        assertThat(v2.jsonPath().getString("model_version")).isEqualTo("2");

        Response v1 = given().contentType("application/json").body("{\"instances\": [[0, 0, 0, 0]]}")
                .post("/v1/models/routed/versions/stable:predict").then().statusCode(200).extract().response();
        assertThat(v1.header(ModelVersionHeader.NAME)).isEqualTo("1");
        assertThat(v1.jsonPath().getList("predictions[0]", Float.class)).containsOnly(1f);

        Response predict = given().contentType("application/json")
                .body("{\"model\": \"routed\", \"version\": \"canary\", \"instances\": [[0, 0, 0, 0]]}")
                .post("/predict").then().statusCode(200).extract().response();
        assertThat(predict.header(ModelVersionHeader.NAME)).isEqualTo("2");
        assertThat(predict.jsonPath().getString("model_version")).isEqualTo("2");

        Response event = given().header("ce-specversion", "1.0").header("ce-id", "alias-1")
                .header("ce-source", "/tests/routing").header("ce-type", "dev.quiver.inference.requested")
                .contentType("application/json").body("""
                        {"model": "routed", "version": "canary", "inputs": [{"name": "x", "datatype": "FP32",
                         "shape": [1, 4], "data": [0, 0, 0, 0]}]}""")
                .post("/").then().statusCode(200).extract().response();
        assertThat(event.header("ce-type")).isEqualTo("dev.quiver.inference.completed");
        assertThat(event.jsonPath().getString("modelVersion")).isEqualTo("2");

        given().get("/v2/models/routed/versions/canary/ready").then().statusCode(200);
        JsonPath metadata = given().get("/v2/models/routed").then().statusCode(200).extract().jsonPath();
        assertThat(metadata.getMap("routing.aliases")).containsEntry("canary", 2);
        assertThat(metadata.getMap("routing.weights")).containsEntry("1", 50).containsEntry("2", 50);
        assertThat(metadata.getString("routing.sticky_key")).isEqualTo("header:X-User");
        given().contentType("application/json").body(V2_REQUEST).post("/v2/models/routed/versions/beta/infer")
                .then().statusCode(404).body("error", containsString("its aliases {canary=2, stable=1}"));
        assertThat(Metrics.scrape()).contains(
                "quiver_inference_routed_requests_total{model=\"routed\",route=\"alias\",version=\"2\"}");
    }

    @Test
    void aRoutingFileTakesEffectWithoutARestartAndARefusedOneChangesNothing() throws Exception {
        Readiness.awaitReady();
        ModelRepositoryFixture repository = new ModelRepositoryFixture(root);
        Map<String, String> before = new HashMap<>();
        List<String> users = List.of("ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "joe");
        users.forEach(user -> before.put(user, v2(user).header(ModelVersionHeader.NAME)));
        try {
            repository.withFile("routed", "routing.json", """
                    {"aliases": {"stable": 1, "canary": 2}, "weights": {"canary": 1}, "sticky_key": "header:X-User"}""");
            await().atMost(Duration.ofSeconds(10)).until(() -> users.stream()
                    .allMatch(user -> v2(user).header(ModelVersionHeader.NAME).equals("2")));

            repository.withFile("routed", "routing.json", "{\"weights\": {\"canary\": -1}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/v2/models/routed").jsonPath()
                    .getString("routing_error") != null);
            assertThat(given().get("/v2/models/routed").jsonPath().getString("routing_error"))
                    .contains("weights.canary", "weights are between 0 and 1000000, got -1");
            assertThat(users).allMatch(user -> v2(user).header(ModelVersionHeader.NAME).equals("2"));
        } finally {
            Files.delete(root.resolve("routed").resolve("routing.json"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> users.stream()
                .allMatch(user -> v2(user).header(ModelVersionHeader.NAME).equals(before.get(user))));
    }

    private static Response v2(String user) {
        return given().contentType("application/json").header("X-User", user).body(V2_REQUEST)
                .post("/v2/models/routed/infer").then().statusCode(200).extract().response();
    }
}
