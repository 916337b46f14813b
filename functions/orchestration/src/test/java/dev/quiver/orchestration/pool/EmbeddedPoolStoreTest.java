package dev.quiver.orchestration.pool;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The pool's decisions on the embedded database, H2 in PostgreSQL mode, which the quickstart uses. */
class EmbeddedPoolStoreTest extends PoolStoreContract {

    private final JdbcDataSource dataSource = embedded();

    private static JdbcDataSource embedded() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:quiver-pool-" + UUID.randomUUID()
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
