package dev.quiver.orchestration.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Runs work in one database transaction: committed when it returns, rolled back when it throws. A store error is a
 * {@link StoreRefusedException} when the store refused the data (it would every time), else a {@link StoreException}.
 */
public final class Transactions {

    /**
     * Groups that gather and commit at once, each on a connection of its own: while one waits for its commit, the
     * others run their works. A key (a run) always takes the same lane, so one run's events never wait across lanes
     * for each other's locks.
     */
    static final int LANES = 4;

    private final DataSource dataSource;
    private final List<GroupCommit> lanes;
    /** By connection, shared: work may be handed a transaction that another instance opened. */
    private static final Map<Connection, List<Runnable>> AFTER_COMMIT =
            Collections.synchronizedMap(new IdentityHashMap<>());
    private static final Logger LOG = Logger.getLogger(Transactions.class);

    public Transactions(DataSource dataSource) {
        this(dataSource, true);
    }

    private Transactions(DataSource dataSource, boolean grouped) {
        this.dataSource = dataSource;
        this.lanes = grouped ? IntStream.range(0, LANES).mapToObj(lane -> new GroupCommit(dataSource, this)).toList()
                : List.of();
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
     * What the works of one group read together, before any of them runs: one statement for the whole group where each
     * work alone would make its own. Each work then finds its share in what was read.
     *
     * @param <D> what a work declares it reads
     * @param <S> what was read, handed to every work of the group that declared to it
     */
    @FunctionalInterface
    public interface GroupReads<D, S> {
        /** @param declared what each work of the group declared, in the order the works run */
        S read(Connection connection, List<D> declared) throws SQLException;
    }

    /** Work that may find what it reads already read with its group's: {@code shared} is null when it was not. */
    @FunctionalInterface
    public interface GroupedWork<S, T> {
        T run(Connection connection, S shared) throws SQLException;
    }

    /**
     * Work committed together with the work other threads hand in meanwhile under a key of the same lane
     * ({@link GroupCommit}): the same outcome as {@link #inTransaction}, with one commit shared by many, and the work's
     * held writes ({@link Statements#heldUpdate}) sent with the group's, one batch per kind. For work that only touches
     * the database. Its group makes its {@code reads} together, once, with what each of its works declared, before any
     * of them runs, and hands each work what they returned; a work that runs alone (no other waiting, a group that
     * failed, transactions that do not group) is handed null and reads for itself.
     *
     * @param key what the work is about (its run): works of one key are grouped in one lane, one after another
     * @param reads the reads the work shares with its group, or null when it shares none
     * @param declared what the work declares to {@code reads}
     */
    public <D, S, T> T inGroupedTransaction(String key, GroupReads<D, S> reads, D declared,
                                            GroupedWork<S, T> work) {
        return lanes.isEmpty() ? inTransaction(connection -> work.run(connection, null))
                : lanes.get(Math.floorMod(Objects.hashCode(key), lanes.size())).inTransaction(reads, declared, work);
    }

    public <T> T inTransaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                committed(connection);
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                AFTER_COMMIT.remove(connection);
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

    /**
     * Runs {@code action} once the transaction of {@code connection}, one this instance opened, has committed; never
     * when it rolls back. For what must not be counted or announced of work that did not happen (metrics).
     */
    public void afterCommit(Connection connection, Runnable action) {
        AFTER_COMMIT.computeIfAbsent(connection, key -> new ArrayList<>()).add(action);
    }

    /** How many actions wait for the commit of {@code connection}: where a savepoint's work begins. */
    int pending(Connection connection) {
        List<Runnable> actions = AFTER_COMMIT.get(connection);
        return actions == null ? 0 : actions.size();
    }

    /** Forgets the actions registered after the first {@code kept}: their work was rolled back to its savepoint. */
    void rolledBackTo(Connection connection, int kept) {
        List<Runnable> actions = AFTER_COMMIT.get(connection);
        if (actions != null) {
            actions.subList(kept, actions.size()).clear();
        }
    }

    /** Runs, and forgets, the actions that waited for the commit of {@code connection}. */
    void committed(Connection connection) {
        List<Runnable> actions = AFTER_COMMIT.remove(connection);
        if (actions == null) {
            return;
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                // the transaction has committed: its work stands, whatever an action after it does
                LOG.warnf(e, "an action after a commit failed: %s", e.getMessage());
            }
        }
    }

    /** Forgets the actions of a transaction that did not commit. */
    void discard(Connection connection) {
        AFTER_COMMIT.remove(connection);
    }
}
