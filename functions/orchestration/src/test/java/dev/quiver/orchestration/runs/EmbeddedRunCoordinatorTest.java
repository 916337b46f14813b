package dev.quiver.orchestration.runs;

import dev.quiver.orchestration.store.EmbeddedDatabase;
import javax.sql.DataSource;

/** The coordinator on the embedded database, H2 in PostgreSQL mode, which the quickstart uses. */
class EmbeddedRunCoordinatorTest extends RunCoordinatorContract {

    private final DataSource dataSource = EmbeddedDatabase.create("runs");

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return "public";
    }
}
