package dev.quiver.orchestration.executors;

import dev.quiver.orchestration.store.EmbeddedDatabase;
import javax.sql.DataSource;

/** Serving in the pool on the embedded database, H2 in PostgreSQL mode, which the quickstart uses. */
class EmbeddedServingSurgeTest extends ServingSurgeContract {

    private final DataSource dataSource = EmbeddedDatabase.create("serving");

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return "public";
    }
}
