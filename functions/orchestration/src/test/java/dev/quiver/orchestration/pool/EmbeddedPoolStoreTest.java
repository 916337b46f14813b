package dev.quiver.orchestration.pool;

import dev.quiver.orchestration.store.EmbeddedDatabase;
import javax.sql.DataSource;

/** The pool's decisions on the embedded database, H2 in PostgreSQL mode, which the quickstart uses. */
class EmbeddedPoolStoreTest extends PoolStoreContract {

    private final DataSource dataSource = EmbeddedDatabase.create("pool");

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return "public";
    }
}
