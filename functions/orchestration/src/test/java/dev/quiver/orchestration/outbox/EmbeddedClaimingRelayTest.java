package dev.quiver.orchestration.outbox;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Relays on the embedded database, H2 in PostgreSQL mode, as replicas sharing it would be. */
class EmbeddedClaimingRelayTest extends ClaimingRelayContract {

    private final JdbcDataSource dataSource = embedded();

    private static JdbcDataSource embedded() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:quiver-outbox-" + UUID.randomUUID()
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
