package dev.quiver.orchestration.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * Commits concurrent work together, so that the events that arrive while one commit waits for the disk share the
 * next one instead of each paying its own: the thread that takes the turn runs every waiting work (up to
 * {@link #MAX_GROUP}) in one transaction and commits once. Each work still runs exactly once in the transaction that
 * commits it, and its caller returns only after that commit.
 *
 * <p>A work that fails in a group runs again alone, in a transaction of its own ({@link Transactions#inTransaction}),
 * whose outcome is its caller's, and its neighbours run again without it and commit: the group never fails a work that
 * would have succeeded alone, and a work that fails alone fails as it always did. A group whose commit fails runs each
 * of its works alone the same way. A work that finds no other waiting runs in its own transaction at once, unless the
 * group before it ran more: it then waits a moment for their next works ({@link #gather}). One transaction commits at
 * a time per instance (a lane of {@link Transactions}): while it does, the next group gathers.
 *
 * <p>Works that declared their reads ({@link Transactions.GroupReads}) have them made once for the whole group, before
 * the first of them runs, and each is handed what was read; their held writes ({@link Statements#heldUpdate}) are sent
 * as one batch per kind ({@link HeldWrites}). Only a group that runs without savepoints reads and writes together: a
 * failure anywhere then undoes the whole transaction, and the works that run again do so each with its own reads and
 * writes, as a work that runs alone does. A held write that fails fails the statement or the commit that sent it, so
 * the group runs again as above, and the work it belonged to then fails alone with its own error.
 */
final class GroupCommit {

    /** Works in one transaction at most: bounds how long the first of them waits for the others to run. */
    static final int MAX_GROUP = 64;
    /**
     * How long a waiting work sleeps unless woken. Every wake-up is sent (when its group is over, when it is first in
     * line), so this is only a net: a short one wakes every waiting thread over and over for nothing, and in a burst of
     * events those wake-ups take the CPU the group needs.
     */
    private static final long PARK_NANOS = 20_000_000;
    /**
     * How often a group that waits for company looks for it. The works it waits for do not wake it: it is one parked
     * thread among the many they wake, and a few tens of microseconds late is within what it waits anyway.
     */
    private static final long GATHER_STEP_NANOS = 20_000;
    /**
     * The longest a group waits for company, whatever the last group took: one held up for seconds (by a lock another
     * replica holds, a store that does not answer) says nothing of when its works come back.
     */
    private static final long MAX_GATHER_NANOS = 50_000_000;

    private final DataSource dataSource;
    private final Transactions alone;
    private final ConcurrentLinkedQueue<Member<?, ?, ?>> waiting = new ConcurrentLinkedQueue<>();
    private final ReentrantLock turn = new ReentrantLock();
    /** How many works the last group ran, and how long it took to run them: guarded by {@link #turn}. */
    private int lastGroup;
    private long lastGroupNanos;

    GroupCommit(DataSource dataSource, Transactions alone) {
        this.dataSource = dataSource;
        this.alone = alone;
    }

    <D, S, T> T inTransaction(Transactions.GroupReads<D, S> reads, D declared, Transactions.GroupedWork<S, T> work) {
        Member<D, S, T> member = new Member<>(reads, declared, work);
        waiting.add(member);
        while (member.state == State.WAITING) {
            if (turn.tryLock()) {
                try {
                    if (member.state == State.WAITING) {
                        commitGroup();
                    }
                } finally {
                    turn.unlock();
                }
                // the first of those that gathered meanwhile takes the next turn
                Member<?, ?, ?> next = waiting.peek();
                if (next != null) {
                    LockSupport.unpark(next.owner);
                }
            } else {
                // woken when its group is over or when it is first in line
                LockSupport.parkNanos(this, PARK_NANOS);
            }
        }
        return switch (member.state) {
            case COMMITTED -> member.result;
            case FAILED -> throw member.failure;
            default -> alone.inTransaction(connection -> work.run(connection, null));
        };
    }

    /**
     * Runs the waiting works in one transaction, or the one waiting work in its own. The group first runs without
     * savepoints, a round trip fewer per work; when a work fails, the group is rolled back, that work is left to run
     * on its own, and the others run again, each behind a savepoint this time, so that a further failure among them
     * is undone alone: a failing work makes its neighbours run twice at most, never fail.
     */
    private void commitGroup() {
        gather();
        List<Member<?, ?, ?>> group = new ArrayList<>();
        for (Member<?, ?, ?> next = waiting.poll(); next != null;
             next = group.size() < MAX_GROUP ? waiting.poll() : null) {
            group.add(next);
        }
        lastGroup = group.size();
        if (group.size() == 1) {
            group.getFirst().runAlone(alone);
            return;
        }
        long start = System.nanoTime();
        try {
            Member<?, ?, ?> failed = runTogether(group, false);
            if (failed != null) {
                failed.settle(State.ALONE);
                group.remove(failed);
                runTogether(group, true);
            }
        } finally {
            lastGroupNanos = System.nanoTime() - start;
            for (Member<?, ?, ?> member : group) {
                if (member.state == State.WAITING) {
                    member.settle(State.ALONE);
                }
            }
        }
    }

    /**
     * Waits, at most half the time the last group took ({@link #MAX_GATHER_NANOS} at most), until as many works wait
     * as it ran. Its works come back with their next events a moment after their answers (a broker's next delivery, an
     * executor's next step): a group that starts without them makes them wait for the whole of its own time, where
     * this waits at most half as long, and they then share its commit. After a lone work it waits for no one; when
     * fewer come back than went, it waits its bound once, and the smaller group it then runs is what the next one
     * waits for.
     */
    private void gather() {
        long deadline = System.nanoTime() + Math.min(lastGroupNanos / 2, MAX_GATHER_NANOS);
        // counting the queue walks it: it is counted only while it is shorter than the last group
        while (lastGroup > 1 && waiting.size() < lastGroup && System.nanoTime() < deadline) {
            LockSupport.parkNanos(this, GATHER_STEP_NANOS);
        }
    }

    /**
     * Runs the works in one transaction and commits it. Without savepoints, the first work that fails rolls the whole
     * transaction back and is returned, the others left waiting; with them, a failing work is rolled back to its own
     * and left waiting while the others go on. A transaction that cannot commit leaves every work waiting. Only
     * without savepoints are the works' reads made together.
     */
    private Member<?, ?, ?> runTogether(List<Member<?, ?, ?>> group, boolean savepoints) {
        List<Member<?, ?, ?>> ran = new ArrayList<>(group.size());
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                if (savepoints) {
                    group.forEach(Member::readAlone);
                } else {
                    readTogether(connection, group);
                    HeldWrites.begin(connection);
                }
                for (Member<?, ?, ?> member : group) {
                    // never released, one round trip fewer per work: each savepoint nests in the one before, and
                    // rolling back to a work's own undoes only that work, as none after it has run yet
                    Savepoint savepoint = savepoints ? connection.setSavepoint() : null;
                    int actions = alone.pending(connection);
                    try {
                        member.run(connection);
                        ran.add(member);
                    } catch (SQLException | RuntimeException e) {
                        if (savepoint == null) {
                            connection.rollback();
                            return member;
                        }
                        connection.rollback(savepoint);
                        alone.rolledBackTo(connection, actions);
                    }
                }
                HeldWrites.flush(connection);
                connection.commit();
                alone.committed(connection);
                for (Member<?, ?, ?> member : ran) {
                    member.settle(State.COMMITTED);
                }
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
            } finally {
                HeldWrites.end();
                alone.discard(connection);
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException | RuntimeException e) {
            // the group could not commit: each of its works runs alone, and meets the failure, if it lasts, itself
        }
        return null;
    }

    /** Makes each kind of reads the works declared once, for all the works that declared it. */
    private static void readTogether(Connection connection, List<Member<?, ?, ?>> group) throws SQLException {
        Map<Transactions.GroupReads<?, ?>, List<Member<?, ?, ?>>> byReads = new IdentityHashMap<>();
        for (Member<?, ?, ?> member : group) {
            if (member.reads != null) {
                byReads.computeIfAbsent(member.reads, reads -> new ArrayList<>()).add(member);
            }
        }
        for (List<Member<?, ?, ?>> members : byReads.values()) {
            read(connection, members);
        }
    }

    @SuppressWarnings("unchecked") // the members were gathered by their reads: each declared what those reads take
    private static <D, S> void read(Connection connection, List<Member<?, ?, ?>> members) throws SQLException {
        List<Member<D, S, ?>> same = (List<Member<D, S, ?>>) (List<?>) members;
        S shared = same.getFirst().reads.read(connection, same.stream().map(member -> member.declared).toList());
        same.forEach(member -> member.shared = shared);
    }

    private enum State { WAITING, COMMITTED, FAILED, ALONE }

    /**
     * A work, what it declared to its reads and what they read, and, once its turn is over, whether it committed
     * (with its result), failed in a transaction of its own (with that failure) or must run alone after failing in a
     * group.
     */
    private static final class Member<D, S, T> {
        private final Transactions.GroupReads<D, S> reads;
        private final D declared;
        private final Transactions.GroupedWork<S, T> work;
        private final Thread owner = Thread.currentThread();
        private volatile State state = State.WAITING;
        private S shared;
        private T result;
        private RuntimeException failure;

        Member(Transactions.GroupReads<D, S> reads, D declared, Transactions.GroupedWork<S, T> work) {
            this.reads = reads;
            this.declared = declared;
            this.work = work;
        }

        void readAlone() {
            shared = null;
        }

        void run(Connection connection) throws SQLException {
            result = work.run(connection, shared);
        }

        void settle(State settled) {
            state = settled;
            LockSupport.unpark(owner);
        }

        void runAlone(Transactions transactions) {
            try {
                result = transactions.inTransaction(connection -> work.run(connection, null));
                state = State.COMMITTED;
            } catch (RuntimeException e) {
                failure = e;
                state = State.FAILED;
            }
        }
    }
}
