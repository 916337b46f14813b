package dev.quiver.orchestration.events;

import dev.quiver.orchestration.pipeline.PipelineFiles;
import dev.quiver.testservices.TestPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The orchestration function on a real PostgreSQL server (the tests' own, {@link TestPostgres}) in a schema of its
 * own, reading the example pipelines and sending its events to an {@link EventSink} standing in for the broker.
 */
public class PostgresStack implements QuarkusTestResourceLifecycleManager {

    static volatile EventSink sink;
    static volatile Path models;

    private TestPostgres.Schema schema;
    private Path pipelines;

    @Override
    public Map<String, String> start() {
        TestPostgres postgres = TestPostgres.shared();
        schema = postgres.newSchema("quiver_events");
        sink = new EventSink();
        pipelines = pipelineFolder();
        try {
            models = Files.createTempDirectory("quiver-published-models");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("quarkus.datasource.\"postgresql\".active", "true",
                "quarkus.datasource.\"embedded\".active", "false",
                "quarkus.datasource.\"postgresql\".jdbc.url", schema.jdbcUrl(),
                "quarkus.datasource.\"postgresql\".username", postgres.user(),
                "quarkus.datasource.\"postgresql\".password", postgres.password(),
                "quarkus.flyway.\"postgresql\".schemas", schema.name(),
                "quiver.orchestration.pipelines", pipelines.toString(),
                "quiver.orchestration.sink", sink.uri().toString(),
                "quiver.orchestration.model-repository", models.toString(),
                "quiver.orchestration.relay-interval", "50ms");
    }

    /** The folder of the example pipelines the project ships. */
    static Path pipelineFolder() {
        return PipelineFiles.FOLDER;
    }

    @Override
    public void stop() {
        sink.close();
        schema.close();
    }
}
