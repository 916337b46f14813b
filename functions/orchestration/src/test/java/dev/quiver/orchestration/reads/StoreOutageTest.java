package dev.quiver.orchestration.reads;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.quiver.orchestration.pipeline.PipelineFiles;
import dev.quiver.testservices.TestPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The read API while its PostgreSQL is away: a 503 with {@code Retry-After} and a JSON error (a question that can be
 * asked again), not a 500; and answers again once the database is back.
 */
@QuarkusTest
@WithTestResource(StoreOutageTest.ProxiedPostgres.class)
class StoreOutageTest {

    @Test
    void aReadWhileTheDatabaseIsDownIsA503AndTheNextAfterItIsBackIsAnswered() {
        given().get("/runs/no-such-run").then().statusCode(404);
        ProxiedPostgres.proxy.up(false);
        try {
            given().get("/runs/no-such-run").then().statusCode(503).header("Retry-After", "5")
                    .contentType("application/json")
                    .body("error", equalTo("the run store is unavailable; retry later"));
            given().get("/runs").then().statusCode(503);
        } finally {
            ProxiedPostgres.proxy.up(true);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/runs/no-such-run").then()
                .statusCode(404));
    }

    public static class ProxiedPostgres implements QuarkusTestResourceLifecycleManager {

        static volatile DatabaseProxy proxy;
        private TestPostgres.Schema schema;

        @Override
        public Map<String, String> start() {
            TestPostgres postgres = TestPostgres.shared();
            schema = postgres.newSchema("quiver_outage");
            try {
                proxy = new DatabaseProxy(schema.jdbcUrl());
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the database proxy", e);
            }
            return Map.of("quarkus.datasource.\"postgresql\".active", "true",
                    "quarkus.datasource.\"embedded\".active", "false",
                    "quarkus.datasource.\"postgresql\".jdbc.url", proxy.through(schema.jdbcUrl()),
                    "quarkus.datasource.\"postgresql\".jdbc.acquisition-timeout", "2s",
                    "quarkus.datasource.\"postgresql\".username", postgres.user(),
                    "quarkus.datasource.\"postgresql\".password", postgres.password(),
                    "quarkus.flyway.\"postgresql\".schemas", schema.name(),
                    "quiver.orchestration.pipelines", PipelineFiles.FOLDER.toString(),
                    "quiver.orchestration.internal-ticks", "false");
        }

        @Override
        public void stop() {
            try {
                proxy.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the database proxy", e);
            }
            schema.close();
        }
    }
}
