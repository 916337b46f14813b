package dev.quiver.orchestration.executors;

import dev.quiver.testservices.TestPostgres;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** Serving in the pool on a real PostgreSQL server (the tests' own), in a schema of its own for each test. */
class PostgresServingSurgeTest extends ServingSurgeContract {

    private final TestPostgres.Schema schema = TestPostgres.shared().newSchema("quiver_serving");

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    @Override
    DataSource dataSource() {
        return schema.dataSource();
    }

    @Override
    String schema() {
        return schema.name();
    }
}
