package dev.quiver.orchestration.runs;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Pooled runs on the embedded database, H2 in PostgreSQL mode. */
class EmbeddedPooledRunsTest extends PooledRunsContract {

    private final JdbcDataSource dataSource = embedded();

    private static JdbcDataSource embedded() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:quiver-pooled-" + UUID.randomUUID()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        return h2;
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return "public";
    }
}
