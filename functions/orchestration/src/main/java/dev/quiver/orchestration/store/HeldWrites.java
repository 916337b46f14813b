package dev.quiver.orchestration.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a group holds back while its works run ({@link Statements#heldUpdate}), sent as one batch per statement, each
 * in the order its rows were held, before the next statement of any other kind on the connection and before the
 * commit: a group's many events then cost one round trip per kind of write instead of one per write. Held on the
 * thread that runs the group, for the group's connection only: any other connection's statements run as they come.
 */
final class HeldWrites {

    private static final ThreadLocal<HeldWrites> OPEN = new ThreadLocal<>();

    private final Connection connection;
    private final Map<String, List<Object[]>> rows = new LinkedHashMap<>();

    private HeldWrites(Connection connection) {
        this.connection = connection;
    }

    /** From now until {@link #end}, this thread's held writes on {@code connection} wait for the next flush. */
    static void begin(Connection connection) {
        OPEN.set(new HeldWrites(connection));
    }

    /** Forgets what is held (the transaction rolls back, or has flushed it): writes run as they come again. */
    static void end() {
        OPEN.remove();
    }

    /** Holds the write when its connection's group holds writes; false when it must run now. */
    static boolean hold(Connection connection, String sql, Object[] params) {
        HeldWrites held = OPEN.get();
        if (held == null || held.connection != connection) {
            return false;
        }
        held.rows.computeIfAbsent(sql, key -> new ArrayList<>()).add(params);
        return true;
    }

    /** Sends what is held on {@code connection}, if anything: one batch per statement, in the order they were held. */
    static void flush(Connection connection) throws SQLException {
        HeldWrites held = OPEN.get();
        if (held == null || held.connection != connection || held.rows.isEmpty()) {
            return;
        }
        // taken out first: the batches below go through Statements, which flushes before it runs anything
        List<Map.Entry<String, List<Object[]>>> batches = List.copyOf(held.rows.entrySet());
        held.rows.clear();
        for (Map.Entry<String, List<Object[]>> batch : batches) {
            Statements.batch(connection, batch.getKey(), batch.getValue());
        }
    }
}
