package dev.quiver.orchestration.pool;

import dev.quiver.testservices.TestPostgres;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The pool's decisions on a real PostgreSQL server (the tests' own), in a schema of their own. */
class PostgresPoolStoreTest extends PoolStoreContract {

    private static TestPostgres.Schema schema;

    @BeforeAll
    static void createSchema() {
        schema = TestPostgres.shared().newSchema("quiver_pool");
    }

    @AfterAll
    static void dropSchema() {
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
