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
    private final GroupCommit group;

    public Transactions(DataSource dataSource) {
        this(dataSource, true);
    }

    private Transactions(DataSource dataSource, boolean grouped) {
        this.dataSource = dataSource;
        this.group = grouped ? new GroupCommit(dataSource, this) : null;
    }

    /** Transactions whose grouped work commits alone all the same: what group commits are measured against. */
    public static Transactions ungrouped(DataSource dataSource) {
        return new Transactions(dataSource, false);
    }

    /** Work on a connection whose transaction the caller commits or rolls back. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Work committed together with the work other threads hand in meanwhile ({@link GroupCommit}): the same outcome
     * as {@link #inTransaction}, with one commit shared by many. For work that only touches the database.
     */
    public <T> T inGroupedTransaction(Work<T> work) {
        return group == null ? inTransaction(work) : group.inTransaction(work);
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
