package dev.quiver.orchestration.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testservices.TestPostgres;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Works handed in together on a real PostgreSQL server (the tests' own, {@link TestPostgres}): each committed once,
 * many to a commit, a failing one never failing the others, and each caller answered only once its work is durable.
 */
class GroupCommitTest {

    private static TestPostgres.Schema schema;
    private static DataSource dataSource;

    @BeforeAll
    static void createTable() throws SQLException {
        schema = TestPostgres.shared().newSchema("quiver_group");
        dataSource = schema.dataSource();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("create table handled (id text primary key, by_thread text not null)");
        }
    }

    @AfterAll
    static void dropSchema() {
        schema.close();
    }

    @Test
    void concurrentWorksShareCommitsAndFailingOnesFailAloneWithTheirOwnErrors() throws Exception {
        CountingDataSource counted = new CountingDataSource(dataSource);
        Transactions transactions = new Transactions(counted);
        int works = 200;
        ExecutorService threads = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> answers = new ArrayList<>();
        Map<String, Integer> afterCommit = new ConcurrentHashMap<>();
        try {
            for (int i = 0; i < works; i++) {
                String id = "w" + i;
                // two keys, two lanes: w0 to w99 (with both failing works) in one, the rest in the other
                String key = "run" + i / 100;
                answers.add(threads.submit(() -> {
                    start.await();
                    return transactions.inGroupedTransaction(key, c -> {
                        insert(c, id);
                        transactions.afterCommit(c, () -> afterCommit.merge(id, 1, Integer::sum));
                        if (id.equals("w13") || id.equals("w14")) {
                            // a constraint the store refuses every time: the work fails, alone too; two of them, so
                            // that a group their neighbours run again in has one more failure to undo
                            insert(c, id);
                        }
                        // visible to the caller only once committed: read on another connection below
                        return id;
                    });
                }));
            }
            start.countDown();
            List<String> failed = new ArrayList<>();
            for (Future<String> answer : answers) {
                try {
                    String id = answer.get(60, TimeUnit.SECONDS);
                    assertThat(committed(id)).as("answered after its commit: " + id).isTrue();
                    assertThat(afterCommit).as("its after-commit action ran before the answer").containsKey(id);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(StoreRefusedException.class)
                            .hasMessageContaining("duplicate key");
                    failed.add(e.getCause().getMessage());
                }
            }
            assertThat(failed).hasSize(2);
        } finally {
            threads.shutdownNow();
        }
        assertThat(count()).as("every other work committed once").isEqualTo(works - 2);
        assertThat(committed("w13")).isFalse();
        assertThat(committed("w14")).isFalse();
        assertThat(afterCommit).as("each committed work's action ran once; the rolled-back ones' never")
                .hasSize(works - 2).doesNotContainKeys("w13", "w14")
                .allSatisfy((id, runs) -> assertThat(runs).isOne());
        assertThat(counted.connections.get()).as("connections, one transaction each: fewer than the works")
                .isLessThan(works);
    }

    @Test
    void anotherRunsWorkCommitsWhileOneGroupIsHeldUp() throws Exception {
        Transactions transactions = new Transactions(dataSource);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<String> held = threads.submit(() -> transactions.inGroupedTransaction("run0", c -> {
                insert(c, "held");
                holding.countDown();
                awaitQuietly(release);
                return "held";
            }));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            // "run1" takes another lane than "run0": its work neither waits for the held group nor joins it
            Future<String> other = threads.submit(() -> transactions.inGroupedTransaction("run1", c -> {
                insert(c, "other");
                return "other";
            }));
            assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo("other");
            assertThat(committed("other")).isTrue();
            assertThat(held).isNotDone();
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("held");
            assertThat(committed("held")).isTrue();
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void aWorkAloneRunsAsInItsOwnTransaction() {
        Transactions transactions = new Transactions(dataSource);
        String answer = transactions.inGroupedTransaction("alone", c -> {
            insert(c, "alone");
            return "done";
        });
        assertThat(answer).isEqualTo("done");
        assertThat(committed("alone")).isTrue();
        assertThatThrownBy(() -> transactions.inGroupedTransaction("alone", c -> {
            insert(c, "alone");
            return null;
        })).isInstanceOf(StoreRefusedException.class);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void insert(Connection c, String id) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into handled (id, by_thread) values (?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, Thread.currentThread().getName());
            insert.executeUpdate();
        }
    }

    private static boolean committed(String id) {
        return new Transactions(dataSource).inTransaction(c -> {
            try (PreparedStatement query = c.prepareStatement("select 1 from handled where id = ?")) {
                query.setString(1, id);
                try (ResultSet rows = query.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    private static long count() {
        return new Transactions(dataSource).inTransaction(c -> {
            try (Statement query = c.createStatement();
                 ResultSet rows = query.executeQuery("select count(*) from handled where id like 'w%'")) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    /** The data source, counting the connections taken: one per transaction, grouped or alone. */
    private static final class CountingDataSource implements DataSource {
        final AtomicInteger connections = new AtomicInteger();
        private final DataSource delegate;

        CountingDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Connection getConnection() throws SQLException {
            connections.incrementAndGet();
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            connections.incrementAndGet();
            return delegate.getConnection(user, password);
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return delegate.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return delegate.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return delegate.isWrapperFor(type);
        }
    }
}
