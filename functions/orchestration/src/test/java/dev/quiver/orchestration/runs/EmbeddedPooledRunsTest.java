package dev.quiver.orchestration.runs;

import dev.quiver.orchestration.store.EmbeddedDatabase;
import javax.sql.DataSource;

/** Pooled runs on the embedded database, H2 in PostgreSQL mode. */
class EmbeddedPooledRunsTest extends PooledRunsContract {

    private final DataSource dataSource = EmbeddedDatabase.create("pooled");

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return "public";
    }
}
