package dev.quiver.orchestration.registry;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import dev.quiver.admission.identity.ApiKey;
import dev.quiver.admission.identity.KeyStoreEntry;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code PUT /pipelines/{name}} through the packaged function: admins only, versions kept and readable, a run records
 * the version it ran.
 */
@QuarkusTest
@WithTestResource(PipelineApiTest.Keys.class)
class PipelineApiTest {

    static final ApiKey.Issued ADMIN = ApiKey.issue("standard", "ops", true);
    static final ApiKey.Issued USER = ApiKey.issue("standard", "team", false);

    private static final String V1 = """
            pipeline: nightly
            version: 1
            steps:
              - {name: notify, executor: function, params: {url: "http://127.0.0.1:9/"}}
            """;

    @Test
    void onlyAnAdminRegistersAPipeline() {
        given().contentType("application/yaml").body(yaml(V1)).put("/pipelines/nightly").then().statusCode(401)
                .body("error", containsString("pipeline registration: an admin credential is required"));
        given().header("X-API-Key", USER.key()).contentType("application/yaml").body(yaml(V1))
                .put("/pipelines/nightly").then().statusCode(403).body("error", containsString("is not an admin"));
        given().get("/pipelines/nightly/versions/1").then().statusCode(404)
                .body("error", equalTo("pipeline \"nightly\" has no version 1"));
    }

    @Test
    void versionsAreKeptReadableAndRunsRecordTheirs() {
        String v1 = V1.replace("nightly", "weekly");
        String v2 = v1.replace("version: 1", "version: 2").replace("notify", "announce");
        admin().body(yaml(v1)).put("/pipelines/weekly").then().statusCode(201)
                .header("Location", "/pipelines/weekly/versions/1").body("version", equalTo(1))
                .body("registeredBy", equalTo("key:" + ADMIN.stored().id()));
        admin().body(yaml(v1)).put("/pipelines/weekly").then().statusCode(200);
        admin().body(yaml(v1.replace("notify", "changed"))).put("/pipelines/weekly").then().statusCode(409)
                .body("error", containsString("raise version"));
        admin().body(yaml(v2)).put("/pipelines/weekly").then().statusCode(201);
        admin().body(yaml("pipeline: weekly\nversion: 3\nsteps:\n  - {name: x, executor: nothing}\n"))
                .put("/pipelines/weekly").then().statusCode(400)
                .body("error", containsString("line 4, steps[0].executor: unknown executor \"nothing\""));

        given().get("/pipelines").then().statusCode(200)
                .body("findAll { it.name == 'weekly' }.version", equalTo(List.of(1, 2)))
                .body("find { it.name == 'weekly' && it.version == 2 }.steps", equalTo(List.of("announce")));
        given().get("/pipelines/weekly/versions/1").then().statusCode(200).body("definition", equalTo(v1))
                .body("steps", hasItem("notify"));
        given().get("/pipelines/weekly/versions/x").then().statusCode(400)
                .body("error", startsWith("version: \"x\" is not a version"));

        given().header("ce-specversion", "1.0").header("ce-id", "weekly-run").header("ce-source", "/tests")
                .header("ce-type", "dev.quiver.pipeline.run.requested").contentType("application/json")
                .body("{\"pipeline\":\"weekly\"}").post("/").then().statusCode(204);
        given().get("/runs?pipeline=weekly").then().statusCode(200).body("[0].pipelineVersion", equalTo(2));
    }

    @Test
    void aBackfillIsOneAdminRequestForEveryIntervalOfTheRange() {
        admin().body(yaml("""
                pipeline: daily
                version: 1
                schedule: {cron: "0 3 * * *", time-zone: Europe/Paris, max-active-runs: 5}
                steps:
                  - {name: notify, executor: function, params: {url: "http://127.0.0.1:9/"}}
                """)).put("/pipelines/daily").then().statusCode(201);
        String range = "{\"from\":\"2026-11-01T00:00:00+01:00\",\"to\":\"2026-11-04T00:00:00+01:00\"}";

        given().contentType("application/json").body(range).post("/pipelines/daily/backfill").then()
                .statusCode(401);
        given().header("X-API-Key", ADMIN.key()).contentType("application/json")
                .body("{\"from\":\"yesterday\",\"to\":\"2026-11-04T00:00:00Z\"}").post("/pipelines/daily/backfill")
                .then().statusCode(400).body("error", startsWith("from: \"yesterday\" is no ISO-8601 time"));
        given().header("X-API-Key", ADMIN.key()).contentType("application/json").body(range)
                .post("/pipelines/daily/backfill").then().statusCode(202)
                .body("intervals.start", equalTo(List.of("2026-11-01T02:00:00Z", "2026-11-02T02:00:00Z")));
        given().get("/runs?pipeline=daily").then().statusCode(200).body("size()", equalTo(2));
    }

    private static byte[] yaml(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("X-API-Key", ADMIN.key()).contentType("application/yaml");
    }

    public static class Keys implements QuarkusTestResourceLifecycleManager {

        private Path state;

        @Override
        public Map<String, String> start() {
            try {
                state = Files.createTempDirectory("quiver-pipeline-api");
                String store = "keys:\n" + KeyStoreEntry.of(ADMIN.stored()) + KeyStoreEntry.of(USER.stored());
                Files.writeString(state.resolve("keys.yaml"), store);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.state", state.toString(),
                    "quiver.orchestration.pipelines", state.resolve("pipelines").toString(),
                    "quiver.admission.keys-file", state.resolve("keys.yaml").toString());
        }

        @Override
        public void stop() {
        }
    }
}
