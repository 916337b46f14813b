package dev.quiver.orchestration.events;

import dev.quiver.orchestration.pipeline.PipelineFiles;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * The orchestration function on the real PostgreSQL server (127.0.0.1:5432, database {@code test}) in a schema of its
 * own, reading the example pipelines and sending its events to an {@link EventSink} standing in for the broker.
 */
public class PostgresStack implements QuarkusTestResourceLifecycleManager {

    static volatile EventSink sink;
    static volatile Path models;

    private final String schema = "quiver_events_" + UUID.randomUUID().toString().replace("-", "");
    private Path pipelines;

    @Override
    public Map<String, String> start() {
        sql("create schema " + schema);
        sink = new EventSink();
        pipelines = pipelineFolder();
        try {
            models = Files.createTempDirectory("quiver-published-models");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String url = "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema;
        return Map.of("quarkus.datasource.\"postgresql\".active", "true",
                "quarkus.datasource.\"embedded\".active", "false",
                "quarkus.datasource.\"postgresql\".jdbc.url", url,
                "quarkus.datasource.\"postgresql\".username", "postgres",
                "quarkus.flyway.\"postgresql\".schemas", schema,
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
        sql("drop schema " + schema + " cascade");
    }

    private static void sql(String statement) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at 127.0.0.1:5432: " + e.getMessage(), e);
        }
    }
}
