package dev.quiver.orchestration.store;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A fresh in-memory embedded database in the modes the function's own (application.properties) uses, H2 in
 * PostgreSQL mode, for tests of the stores on the database the quickstart runs on.
 */
public final class EmbeddedDatabase {

    private EmbeddedDatabase() {
    }

    /** A new database, named {@code quiver-<purpose>-<random>}, kept until the JVM ends. */
    public static DataSource create(String purpose) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:quiver-" + purpose + "-" + UUID.randomUUID()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        return h2;
    }
}
