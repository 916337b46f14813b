package dev.quiver.orchestration.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Statements;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.scheduler.Decision;
import dev.quiver.pool.scheduler.PoolEvent;
import dev.quiver.pool.scheduler.Workload;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool's decisions on a database, by two replicas at once: what every store the function runs on keeps. */
abstract class PoolStoreContract {

    static final PoolSpec POOL = PoolFileReader.yaml("pool.yaml", """
            resources: [cpu]
            queues:
              team: {quota: {cpu: 10}}
            work: {default-queue: team}
            """);

    private final ObjectMapper json = new ObjectMapper();
    private PoolStore replicaA;
    private PoolStore replicaB;
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    abstract DataSource dataSource();

    abstract String schema();

    @BeforeEach
    void migrate() {
        Migrations.apply(dataSource(), schema());
        new Transactions(dataSource()).inTransaction(connection -> {
            Statements.update(connection, "delete from pool_workloads");
            return Statements.update(connection, "update pool_lock set version = 0");
        });
        replicaA = new PoolStore(new Transactions(dataSource()), POOL, json);
        replicaB = new PoolStore(new Transactions(dataSource()), POOL, json);
    }

    private PoolEvent submitted(String id) {
        now = now.plusMillis(1);
        return new PoolEvent.Submitted(new Workload(id, "team", "normal", 100, true, Map.of("cpu", 1000L), 1, now),
                now);
    }

    private long count(String status) {
        return new Transactions(dataSource()).inTransaction(connection -> Statements.first(connection,
                "select count(*) from pool_workloads where status = ?", row -> row.getLong(1), status).orElseThrow());
    }

    @Test
    void twoReplicasAdmitExactlyTheQuotaUnderConcurrentEvents() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<Integer>> admitted = new ArrayList<>();
            for (PoolStore replica : List.of(replicaA, replicaB)) {
                String name = replica == replicaA ? "a" : "b";
                admitted.add(threads.submit(() -> {
                    together.await();
                    int count = 0;
                    for (int i = 0; i < 40; i++) {
                        count += replica.handle(submitted(name + "-" + i)).admitted().size();
                    }
                    return count;
                }));
            }
            int total = admitted.get(0).get() + admitted.get(1).get();

            assertThat(total).isEqualTo(10);
            assertThat(count("ADMITTED")).isEqualTo(10);
            assertThat(count("PENDING")).isEqualTo(70);

            List<String> running = replicaA.read(state -> state.admitted("team").stream()
                    .map(entry -> entry.workload().id()).toList());
            List<Future<Integer>> next = new ArrayList<>();
            for (int half = 0; half < 2; half++) {
                PoolStore replica = half == 0 ? replicaA : replicaB;
                List<String> mine = running.subList(half * 5, half * 5 + 5);
                next.add(threads.submit(() -> {
                    int count = 0;
                    for (String id : mine) {
                        count += replica.handle(new PoolEvent.Finished(id, Instant.now())).admitted().size();
                    }
                    return count;
                }));
            }
            assertThat(next.get(0).get() + next.get(1).get()).isEqualTo(10);
            assertThat(count("ADMITTED")).isEqualTo(10);
            assertThat(count("FINISHED")).isEqualTo(10);
            Map<String, Long> usage = replicaB.read(state -> state.usage("team"));
            assertThat(usage).containsEntry("cpu", 10_000L);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void redeliveredEventsChangeNothing() {
        PoolEvent submission = submitted("attempt-1");
        assertThat(replicaA.handle(submission).admitted()).hasSize(1);

        assertThat(replicaB.handle(submission).isEmpty()).isTrue();
        PoolEvent finished = new PoolEvent.Finished("attempt-1", now);
        assertThat(replicaB.handle(finished).finished()).containsExactly("attempt-1");
        long version = version();

        assertThat(replicaA.handle(finished).isEmpty()).isTrue();
        assertThat(replicaA.handle(submission).isEmpty()).as("a submission redelivered after its workload ended")
                .isTrue();
        assertThat(version()).isEqualTo(version);
        assertThat(count("FINISHED")).isEqualTo(1);
        assertThat(count("ADMITTED") + count("PENDING")).isZero();
    }

    @Test
    void aReasonKeptAsOneTextIsSplitIntoItsClassAndMessageByTheMigration() {
        String schema = "quiver_reasons_" + Long.toHexString(System.nanoTime());
        try {
            Flyway.configure().dataSource(dataSource()).schemas(schema).locations("classpath:db/migration")
                    .target("21").load().migrate();
            new Transactions(dataSource()).inTransaction(connection -> Statements.update(connection, "insert into "
                    + schema + ".pool_workloads (id, queue, priority_class, priority, preempting, request, pods, "
                    + "submitted_at, status, since, reason) values ('gang', 'team', 'normal', 100, true, '{}', 4, "
                    + "?, 'REFUSED', ?, 'GangTimeout: a gang of 4 waited PT10M: without room')", now, now));
            Migrations.apply(dataSource(), schema);
            String reason = new Transactions(dataSource()).inTransaction(connection -> Statements.first(connection,
                    "select reason_class || ' | ' || reason from " + schema + ".pool_workloads",
                    row -> row.getString(1)).orElseThrow());
            assertThat(reason).isEqualTo("GangTimeout | a gang of 4 waited PT10M: without room");
        } finally {
            new Transactions(dataSource()).inTransaction(connection -> Statements.update(connection,
                    "drop schema if exists " + schema + " cascade"));
        }
    }

    @Test
    void aPreemptedWorkloadIsPersistedAsWaitingAgainWithItsPreemptionCounted() {
        replicaA.handle(new PoolEvent.Submitted(new Workload("low", "team", "low", 50, false, Map.of("cpu", 10_000L),
                1, now), now));
        Decision high = replicaB.handle(new PoolEvent.Submitted(new Workload("high", "team", "high", 1000, true,
                Map.of("cpu", 10_000L), 1, now.plusSeconds(1)), now.plusSeconds(1)));

        assertThat(high.preempted()).extracting(Decision.Eviction::id).containsExactly("low");
        String low = new Transactions(dataSource()).inTransaction(connection -> Statements.first(connection,
                "select status, preemptions, reason_class, reason from pool_workloads where id = 'low'",
                row -> row.getString(1) + " " + row.getInt(2) + " " + row.getString(3) + " | " + row.getString(4))
                .orElseThrow());
        assertThat(low).startsWith("PENDING 1 Preempted | preempted by high");
        List<String> waiting = replicaA.read(state -> state.pending("team").stream()
                .map(entry -> entry.workload().id()).toList());
        assertThat(waiting).containsExactly("low");
    }

    @Test
    void anAdmissionOrPreemptionWhoseTransactionRollsBackIsNotCounted() {
        MeterRegistry meters = new SimpleMeterRegistry();
        Transactions transactions = new Transactions(dataSource());
        PoolStore store = new PoolStore(transactions, POOL, json, meters);
        store.handle(new PoolEvent.Submitted(new Workload("low", "team", "low", 50, false, Map.of("cpu", 10_000L),
                1, now), now));
        PoolEvent high = new PoolEvent.Submitted(new Workload("high", "team", "high", 1000, true,
                Map.of("cpu", 10_000L), 1, now.plusSeconds(1)), now.plusSeconds(1));

        assertThatThrownBy(() -> transactions.inTransaction(connection -> {
            assertThat(store.handleAll(connection, List.of(high)).getFirst().preempted()).hasSize(1);
            throw new IllegalStateException("the dispatch failed");
        })).hasMessage("the dispatch failed");
        assertThat(meters.get("quiver.pool.preemptions").counter().count()).as("rolled back").isZero();
        assertThat(meters.get("quiver.pool.admission.wait").tag("priority_class", "high").timer().count()).isZero();

        store.handle(high);
        assertThat(meters.get("quiver.pool.preemptions").tag("queue", "team").counter().count()).isEqualTo(1.0);
        assertThat(meters.get("quiver.pool.admission.wait").tag("priority_class", "high").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("quiver.pool.admission.wait").tag("priority_class", "low").timer().count())
                .isEqualTo(1);
    }

    @Test
    void aBatchThatSubmitsAndEndsAWorkloadRecordsBothSoThatARedeliveryChangesNothing() {
        PoolEvent submission = submitted("short");
        PoolEvent other = submitted("other");

        List<Decision> decisions = replicaA.handleAll(List.of(submission, other,
                new PoolEvent.Finished("short", now.plusMillis(1))));

        assertThat(decisions).hasSize(2);
        assertThat(decisions.getFirst().admitted()).extracting(Decision.Admission::id)
                .containsExactly("short", "other");
        assertThat(decisions.getLast().finished()).containsExactly("short");
        assertThat(count("FINISHED")).isEqualTo(1);
        assertThat(replicaB.handle(submission).isEmpty()).isTrue();
    }

    private long version() {
        return new Transactions(dataSource()).inTransaction(connection -> Statements.first(connection,
                "select version from pool_lock", row -> row.getLong(1)).orElseThrow());
    }
}
