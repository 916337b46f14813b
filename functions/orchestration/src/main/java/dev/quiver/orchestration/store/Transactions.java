package dev.quiver.orchestration.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Runs work in one database transaction: committed when it returns, rolled back when it throws. A store error is a
 * {@link StoreRefusedException} when the store refused the data (it would every time), else a {@link StoreException}.
 */
public final class Transactions {

    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Work on a connection whose transaction the caller commits or rolls back. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    public <T> T inTransaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            if (StoreRefusedException.refusesData(e)) {
                throw new StoreRefusedException("the run store cannot hold this (SQLState " + e.getSQLState() + "): "
                        + e.getMessage(), e);
            }
            throw new StoreException("the run store failed: " + e.getMessage(), e);
        }
    }
}
