package dev.quiver.orchestration.outbox;

import dev.quiver.orchestration.store.EmbeddedDatabase;
import javax.sql.DataSource;

/** Relays on the embedded database, H2 in PostgreSQL mode, as replicas sharing it would be. */
class EmbeddedClaimingRelayTest extends ClaimingRelayContract {

    private final DataSource dataSource = EmbeddedDatabase.create("outbox");

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return "public";
    }
}
