package dev.quiver.orchestration.outbox;

import dev.quiver.testservices.TestPostgres;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Relays on a real PostgreSQL server (the tests' own, {@link TestPostgres}), in a schema of their own. */
class PostgresClaimingRelayTest extends ClaimingRelayContract {

    private static TestPostgres.Schema schema;

    @BeforeAll
    static void createSchema() {
        schema = TestPostgres.shared().newSchema("quiver_outbox");
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
