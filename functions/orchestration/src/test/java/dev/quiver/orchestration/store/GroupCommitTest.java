package dev.quiver.orchestration.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testservices.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
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
            statement.execute("create table counters (id text primary key, value int not null "
                    + "constraint non_negative check (value >= 0))");
        }
    }

    @AfterAll
    static void dropSchema() {
        schema.close();
    }

    @Test
    void concurrentWorksShareCommitsAndFailingOnesFailAloneWithTheirOwnErrors() throws Exception {
        StatementLog counted = new StatementLog(dataSource);
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
                    return transactions.inGroupedTransaction(key, null, null, (c, shared) -> {
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
        assertThat(count("w%")).as("every other work committed once").isEqualTo(works - 2);
        assertThat(committed("w13")).isFalse();
        assertThat(committed("w14")).isFalse();
        assertThat(afterCommit).as("each committed work's action ran once; the rolled-back ones' never")
                .hasSize(works - 2).doesNotContainKeys("w13", "w14")
                .allSatisfy((id, runs) -> assertThat(runs).isOne());
        assertThat(counted.connections()).as("connections, one transaction each: fewer than the works")
                .isLessThan(works);
    }

    @Test
    void aGroupMakesItsWorksReadsOnceBeforeAnyOfThem() throws Exception {
        Transactions transactions = new Transactions(dataSource);
        List<List<String>> reads = new CopyOnWriteArrayList<>();
        Transactions.GroupReads<String, List<String>> readTogether = readsMarking(reads);
        int works = 200;
        ExecutorService threads = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        Map<String, String> handed = new ConcurrentHashMap<>();
        List<Future<String>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < works; i++) {
                String id = "c" + i;
                answers.add(threads.submit(() -> {
                    start.await();
                    return transactions.inGroupedTransaction("run" + id.length(), readTogether, id, (c, shared) -> {
                        handed.put(id, handedTo(c, id, shared));
                        insert(c, id);
                        return id;
                    });
                }));
            }
            start.countDown();
            for (Future<String> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS)).startsWith("c");
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(count("c%")).as("every work committed once").isEqualTo(works);
        assertThat(reads.stream().flatMap(List::stream).toList()).as("each work's reads made once at most")
                .doesNotHaveDuplicates();
        assertThat(reads).as("a group's reads made once for several works").anySatisfy(declared ->
                assertThat(declared).hasSizeGreaterThan(1));
        assertThat(handed).hasSize(works).allSatisfy((id, what) -> assertThat(what).isIn("nothing",
                "its group's reads"));
        assertThat(reads).allSatisfy(declared -> assertThat(committed("read " + declared.getFirst())).isTrue());
    }

    @Test
    void aFailureInAGroupUndoesItsReadsAndEachWorkThenReadsForItself() throws Exception {
        Transactions transactions = new Transactions(dataSource);
        List<List<String>> reads = new CopyOnWriteArrayList<>();
        Transactions.GroupReads<String, List<String>> readTogether = readsMarking(reads);
        Map<String, List<String>> handed = new ConcurrentHashMap<>();
        Map<String, Future<String>> answers = inOneGroup(transactions, List.of("f1", "f-bad", "f2"), id ->
                transactions.inGroupedTransaction("lane", readTogether, id, (c, shared) -> {
                    handed.computeIfAbsent(id, key -> new CopyOnWriteArrayList<>()).add(handedTo(c, id, shared));
                    insert(c, id);
                    if (id.equals("f-bad")) {
                        insert(c, id);
                    }
                    return id;
                }));
        assertThat(answers.get("f1").get(10, TimeUnit.SECONDS)).isEqualTo("f1");
        assertThat(answers.get("f2").get(10, TimeUnit.SECONDS)).isEqualTo("f2");
        assertThatThrownBy(() -> answers.get("f-bad").get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(StoreRefusedException.class);
        assertThat(reads).singleElement().satisfies(declared ->
                assertThat(declared).containsExactlyInAnyOrder("f1", "f-bad", "f2"));
        assertThat(committed("read " + reads.getFirst().getFirst())).as("the failed group's reads undone").isFalse();
        assertThat(handed.get("f-bad")).as("the failing work: with the group's reads, then alone")
                .containsExactly("its group's reads", "nothing");
        // a work before the failing one in the group ran with its reads first; one after it had not run yet
        assertThat(handed).containsOnlyKeys("f1", "f-bad", "f2").allSatisfy((id, what) ->
                assertThat(what).as(id).endsWith("nothing").containsOnlyOnce("nothing"));
        assertThat(committed("f1")).isTrue();
        assertThat(committed("f2")).isTrue();
        assertThat(committed("f-bad")).isFalse();
    }

    @Test
    void aGroupsHeldWritesGoAsOneBatchPerKindAndNoStatementRunsPastThem() throws Exception {
        StatementLog log = new StatementLog(dataSource);
        Transactions transactions = new Transactions(log);
        List<String> ids = List.of("h1", "h2", "h3");
        insertCounters(ids);
        String increment = "update counters set value = value + 1 where id = ?";
        Map<String, Future<String>> answers = inOneGroup(transactions, ids, id ->
                transactions.inGroupedTransaction("lane", null, null, (c, shared) -> {
                    Statements.heldUpdate(c, increment, id);
                    Statements.heldUpdate(c, increment, id);
                    if (id.equals("h2")) {
                        assertThat(counter(c, id)).as("its own held writes, sent before its read").isEqualTo(2);
                    }
                    return id;
                }));
        for (String id : ids) {
            assertThat(answers.get(id).get(10, TimeUnit.SECONDS)).isEqualTo(id);
            assertThat(counter(id)).as(id).isEqualTo(2);
        }
        // the works before and at the read went as one batch, the ones after it as another: never one per write
        assertThat(log.statements()).filteredOn(increment::equals).hasSizeBetween(1, 2);
    }

    @Test
    void aHeldWriteTheStoreRefusesFailsItsOwnWorkAlone() throws Exception {
        Transactions transactions = new Transactions(dataSource);
        List<String> ids = List.of("g1", "g-bad", "g2");
        insertCounters(ids);
        Map<String, Future<String>> answers = inOneGroup(transactions, ids, id ->
                transactions.inGroupedTransaction("lane", null, null, (c, shared) -> {
                    // the counters' check refuses a negative value, when the write is sent
                    Statements.heldUpdate(c, "update counters set value = ? where id = ?", id.equals("g-bad") ? -1 : 7,
                            id);
                    return id;
                }));
        assertThat(answers.get("g1").get(10, TimeUnit.SECONDS)).isEqualTo("g1");
        assertThat(answers.get("g2").get(10, TimeUnit.SECONDS)).isEqualTo("g2");
        assertThatThrownBy(() -> answers.get("g-bad").get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(StoreRefusedException.class).hasMessageContaining("non_negative");
        assertThat(counter("g1")).isEqualTo(7);
        assertThat(counter("g2")).isEqualTo(7);
        assertThat(counter("g-bad")).isZero();
    }

    /**
     * Hands the works in as one group: a held work of the same lane keeps the lane busy until every one of them waits
     * behind it, so that the next group is theirs.
     */
    private static Map<String, Future<String>> inOneGroup(Transactions transactions, List<String> ids,
                                                          Function<String, String> work) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> queued = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(ids.size() + 1);
        try {
            Future<String> held = threads.submit(() -> transactions.inGroupedTransaction("lane", null, null, (c, shared) -> {
                holding.countDown();
                awaitQuietly(release);
                return "held";
            }));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            Map<String, Future<String>> answers = new LinkedHashMap<>();
            for (String id : ids) {
                answers.put(id, threads.submit(() -> {
                    queued.add(Thread.currentThread());
                    return work.apply(id);
                }));
            }
            awaitUntil(() -> queued.size() == ids.size() && queued.stream().allMatch(thread ->
                    thread.getState() == Thread.State.TIMED_WAITING));
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("held");
            for (Future<String> answer : answers.values()) {
                try {
                    answer.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // the caller asserts what each answered
                }
            }
            return answers;
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    private static void insertCounters(List<String> ids) {
        new Transactions(dataSource).inTransaction(c -> {
            for (String id : ids) {
                Statements.update(c, "insert into counters (id, value) values (?, 0)", id);
            }
            return null;
        });
    }

    private static int counter(String id) {
        return new Transactions(dataSource).inTransaction(c -> counter(c, id));
    }

    private static int counter(Connection c, String id) throws SQLException {
        return Statements.first(c, "select value from counters where id = ?", row -> row.getInt(1), id)
                .orElseThrow();
    }

    /** Reads that record what was declared to them and mark their transaction with a row of their own. */
    private static Transactions.GroupReads<String, List<String>> readsMarking(List<List<String>> reads) {
        return (c, declared) -> {
            reads.add(declared);
            insert(c, "read " + declared.getFirst());
            return declared;
        };
    }

    /** What a work was handed, checked: its group's reads include it and were made before it, in its transaction. */
    private static String handedTo(Connection c, String id, List<String> shared) throws SQLException {
        if (shared == null) {
            return "nothing";
        }
        assertThat(shared).as("what its group read").contains(id);
        assertThat(committed(c, "read " + shared.getFirst())).as("read before it, in its transaction").isTrue();
        return "its group's reads";
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void anotherRunsWorkCommitsWhileOneGroupIsHeldUp() throws Exception {
        Transactions transactions = new Transactions(dataSource);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<String> held = threads.submit(() -> transactions.inGroupedTransaction("run0", null, null, (c, shared) -> {
                insert(c, "held");
                holding.countDown();
                awaitQuietly(release);
                return "held";
            }));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            // "run1" takes another lane than "run0": its work neither waits for the held group nor joins it
            Future<String> other = threads.submit(() -> transactions.inGroupedTransaction("run1", null, null, (c, shared) -> {
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
    void theWorksOfAGroupThatComeBackAMomentAfterItShareTheNextCommit() throws Exception {
        Transactions transactions = new Transactions(dataSource);
        slowGroupOfFour(transactions, 100);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Thread> next = new CopyOnWriteArrayList<>();
            CountDownLatch back = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            answers.add(threads.submit(() -> {
                next.add(Thread.currentThread());
                return transactions.inGroupedTransaction("lane", null, null, (c, shared) -> transaction(c));
            }));
            for (int i = 0; i < 3; i++) {
                answers.add(threads.submit(() -> {
                    back.await();
                    return transactions.inGroupedTransaction("lane", null, null, (c, shared) -> transaction(c));
                }));
            }
            // the first comes back alone and waits for company, the others a moment later: seen within a tenth of a
            // millisecond, so that they come well within the longest a group waits
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (next.size() != 1 || next.getFirst().getState() != Thread.State.TIMED_WAITING) {
                assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
                LockSupport.parkNanos(100_000);
            }
            back.countDown();
            for (Future<String> answer : answers) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).as("committed with the first of them")
                        .isEqualTo(answers.getFirst().get());
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aGroupHeldUpForLongMakesTheNextWaitForCompanyNoLongerThanTheCap() {
        Transactions transactions = new Transactions(dataSource);
        slowGroupOfFour(transactions, 500);
        long start = System.nanoTime();
        transactions.inGroupedTransaction("lane", null, null, (c, shared) -> transaction(c));
        // half the last group's time would be 1 s; the cap is 50 ms, and the bound leaves a loaded machine 850 more
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("alone, after waiting for company")
                .isLessThan(Duration.ofMillis(900));
    }

    /**
     * Runs a group of four works, each taking {@code millis}, in the lane "lane": the next group waits for four again.
     */
    private static void slowGroupOfFour(Transactions transactions, long millis) {
        Map<String, Future<String>> group;
        try {
            group = inOneGroup(transactions, List.of("m1", "m2", "m3", "m4"), id ->
                    transactions.inGroupedTransaction("lane", null, null, (c, shared) -> {
                        sleepQuietly(millis);
                        return transaction(c);
                    }));
            for (Future<String> answer : group.values()) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).as("one group").isEqualTo(group.get("m1").get());
            }
        } catch (Exception e) {
            throw new AssertionError("the group of four did not commit: " + e.getMessage(), e);
        }
    }

    /** The id of the transaction of {@code c}. */
    private static String transaction(Connection c) throws SQLException {
        return Statements.first(c, "select txid_current()", row -> row.getString(1)).orElseThrow();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aWorkAloneRunsAsInItsOwnTransaction() {
        Transactions transactions = new Transactions(dataSource);
        String answer = transactions.inGroupedTransaction("alone", null, null, (c, shared) -> {
            insert(c, "alone");
            return "done";
        });
        assertThat(answer).isEqualTo("done");
        assertThat(committed("alone")).isTrue();
        assertThatThrownBy(() -> transactions.inGroupedTransaction("alone", null, null, (c, shared) -> {
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
        return new Transactions(dataSource).inTransaction(c -> committed(c, id));
    }

    /** Whether the row is there as the transaction of {@code c} sees it. */
    private static boolean committed(Connection c, String id) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("select 1 from handled where id = ?")) {
            query.setString(1, id);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static long count(String pattern) {
        return new Transactions(dataSource).inTransaction(c -> {
            try (PreparedStatement query = c.prepareStatement("select count(*) from handled where id like ?")) {
                query.setString(1, pattern);
                try (ResultSet rows = query.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }
}
