package dev.quiver.orchestration.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one SQL statement in the caller's transaction with its parameters bound by type: strings, numbers, booleans,
 * instants (as timestamps) and nulls. The store's SQL is plain JDBC, so that the same statements run on PostgreSQL and
 * on the embedded H2.
 */
public final class Statements {

    /** Reads one row. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet row) throws SQLException;
    }

    private Statements() {
    }

    /** @return the number of rows changed */
    public static int update(Connection c, String sql, Object... params) throws SQLException {
        HeldWrites.flush(c);
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            bind(statement, params);
            return statement.executeUpdate();
        }
    }

    /**
     * An update whose count nobody reads, which a group of works may hold back and send with the others of its kind
     * ({@link HeldWrites}): for a statement that sets a row's columns by its key, whose effect does not depend on when
     * it runs among the other held statements of other kinds. Every other statement on the connection, and its commit,
     * sends what is held first, so no work ever reads past a held write.
     */
    public static void heldUpdate(Connection c, String sql, Object... params) throws SQLException {
        if (!HeldWrites.hold(c, sql, params)) {
            update(c, sql, params);
        }
    }

    /**
     * Runs one statement for each row of parameters, sent together (one round trip where the driver batches them).
     *
     * @return the number of rows each changed, in the order of {@code rows}
     */
    public static int[] batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        HeldWrites.flush(c);
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (Object[] params : rows) {
                bind(statement, params);
                statement.addBatch();
            }
            return statement.executeBatch();
        }
    }

    public static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        HeldWrites.flush(c);
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            bind(statement, params);
            List<T> rows = new ArrayList<>();
            try (ResultSet results = statement.executeQuery()) {
                while (results.next()) {
                    rows.add(row.read(results));
                }
            }
            return rows;
        }
    }

    public static <T> Optional<T> first(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        return query(c, sql, row, params).stream().findFirst();
    }

    /** A timestamp column as an instant; null stays null. */
    public static Instant instant(ResultSet row, int column) throws SQLException {
        Timestamp timestamp = row.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static void bind(PreparedStatement statement, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            int index = i + 1;
            switch (params[i]) {
                case null -> statement.setNull(index, Types.NULL);
                case String text -> statement.setString(index, text);
                case Integer number -> statement.setInt(index, number);
                case Long number -> statement.setLong(index, number);
                case Double number -> statement.setDouble(index, number);
                case Boolean flag -> statement.setBoolean(index, flag);
                case Instant instant -> statement.setTimestamp(index, Timestamp.from(instant));
                default -> throw new IllegalArgumentException("parameter " + index + ": cannot bind a "
                        + params[i].getClass().getName());
            }
        }
    }
}
