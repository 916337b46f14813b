package dev.quiver.orchestration.pool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.store.Statements;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.scheduler.Decision;
import dev.quiver.pool.scheduler.PoolEvent;
import dev.quiver.pool.scheduler.PoolState;
import dev.quiver.pool.scheduler.Scheduler;
import dev.quiver.pool.scheduler.Workload;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The pool's decisions, made and persisted one transaction at a time under the pool's row lock: replicas on one
 * database decide in turn, each on the pool as the one before it left it, so together they never admit more than the
 * quota. A replica keeps the pool in memory between decisions and reads it again only when another replica has changed
 * it (the lock row's version tells). A redelivered event decides nothing: a workload submitted before, even one that
 * has since ended, is not submitted again; one that has ended does not end again.
 *
 * <p>Each admission's time to admission ({@code quiver.pool.admission.wait}, by queue and priority class) and each
 * preemption ({@code quiver.pool.preemptions}, by the queue of the workload preempted) is counted by the replica that
 * decided it, once its decision has committed; the pool's figures now are {@link PoolMetrics gauges}.
 */
public final class PoolStore {

    private static final TypeReference<Map<String, Long>> REQUEST = new TypeReference<>() {
    };

    private static final SecureRandom VERSIONS = new SecureRandom();

    private final Transactions transactions;
    private final PoolSpec spec;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private PoolState cached;
    private long cachedVersion = -1;

    /** A pool whose decisions are counted nowhere: for a coordinator without a pool file, and for tests. */
    public PoolStore(Transactions transactions, PoolSpec spec, ObjectMapper json) {
        this(transactions, spec, json, new SimpleMeterRegistry());
    }

    public PoolStore(Transactions transactions, PoolSpec spec, ObjectMapper json, MeterRegistry meters) {
        this.transactions = transactions;
        this.spec = spec;
        this.json = json;
        this.meters = meters;
    }

    public PoolSpec spec() {
        return spec;
    }

    /** Decides one event and persists the decision. */
    public Decision handle(PoolEvent event) {
        List<Decision> decisions = handleAll(List.of(event));
        return decisions.isEmpty() ? Decision.none(event.at()) : decisions.getFirst();
    }

    /**
     * Decides events in order and persists the decisions in one transaction: as few decisions as the events allow (one
     * admission round for all of them, unless one ends a workload another of them submitted); none for events that
     * change nothing.
     */
    public List<Decision> handleAll(List<PoolEvent> events) {
        return transactions.inTransaction(connection -> handleAll(connection, events));
    }

    /**
     * Decides events in the caller's transaction, so that what the decisions set off (a step's dispatch) commits or
     * rolls back with them. The caller holds the pool's lock ({@link #lock}) from before it locked anything else, so
     * that transactions that change the pool and their runs never wait for each other in a circle.
     */
    public synchronized List<Decision> handleAll(Connection connection, List<PoolEvent> events) throws SQLException {
        try {
            Decided decided = decide(connection, events);
            cached = decided.state();
            cachedVersion = decided.version();
            return decided.decisions();
        } catch (SQLException | RuntimeException e) {
            // the copy in memory may hold part of what was rolled back: read the pool again next time
            cachedVersion = -1;
            throw e;
        }
    }

    /**
     * Takes the pool's lock until the caller's transaction ends: decisions on every replica take turns.
     *
     * @return the pool's version now, for {@link #changedSince}
     */
    public long lock(Connection connection) throws SQLException {
        return version(connection);
    }

    /**
     * Whether the caller's transaction, holding the pool's lock since it read {@code version}, changed the pool: only
     * then can it have admitted or refused anything.
     */
    public boolean changedSince(Connection connection, long version) throws SQLException {
        return version(connection) != version;
    }

    private long version(Connection connection) throws SQLException {
        return Statements.first(connection, "select version from pool_lock where id = 1 for update",
                row -> row.getLong(1)).orElseThrow(() -> new StoreException("the pool's lock row is missing: "
                + "the V20 migration has not run", null));
    }

    private Decided decide(Connection connection, List<PoolEvent> events) throws SQLException {
        long version = version(connection);
        PoolState state = version == cachedVersion ? cached : load(connection);
        Set<String> ended = persisted(connection, state, events);
        List<Decision> decisions = new ArrayList<>();
        Writes writes = new Writes();
        Map<String, Workload> batch = new LinkedHashMap<>();
        List<PoolEvent> pending = new ArrayList<>();
        for (PoolEvent event : events) {
            if (event instanceof PoolEvent.Submitted submitted && ended.contains(submitted.workload().id())) {
                continue;
            }
            if (event instanceof PoolEvent.Finished finished && batch.containsKey(finished.id())) {
                decide(connection, state, pending, batch, decisions, writes, ended);
            }
            pending.add(event);
            if (event instanceof PoolEvent.Submitted submitted) {
                batch.putIfAbsent(submitted.workload().id(), submitted.workload());
            }
        }
        decide(connection, state, pending, batch, decisions, writes, ended);
        long next = version;
        if (!writes.isEmpty()) {
            writes.run(connection);
            // not version + 1: a copy made in a transaction that was rolled back must never match another's
            next = VERSIONS.nextLong(1, Long.MAX_VALUE);
            Statements.update(connection, "update pool_lock set version = ? where id = 1", next);
        }
        return new Decided(decisions, state, next);
    }

    /** A view of the pool as persisted now, made while no decision changes it. */
    public synchronized <T> T read(Function<PoolState, T> view) {
        // applied while synchronized: a decision of this replica changes the copy in memory in place
        PoolState state = transactions.inTransaction(connection -> {
            long version = Statements.first(connection, "select version from pool_lock where id = 1",
                    row -> row.getLong(1)).orElse(-1L);
            if (version != cachedVersion) {
                cached = load(connection);
                cachedVersion = version;
            }
            return cached;
        });
        return view.apply(state);
    }

    private record Decided(List<Decision> decisions, PoolState state, long version) {
    }

    private void decide(Connection connection, PoolState state, List<PoolEvent> events,
                        Map<String, Workload> submitted, List<Decision> decisions, Writes writes, Set<String> ended) {
        if (events.isEmpty()) {
            return;
        }
        Decision decision = Scheduler.decide(state, events);
        if (!decision.isEmpty()) {
            count(connection, state, decision);
            decisions.add(decision);
            writes.add(decision, submitted);
            state.apply(decision);
            ended.addAll(decision.finished());
            decision.refused().forEach(refusal -> ended.add(refusal.id()));
        }
        events.clear();
        submitted.clear();
    }

    /**
     * Counts the decision's admissions and preemptions once the transaction that persists it commits: a decision
     * rolled back (its transaction failed, or its dispatch did) is not counted. {@code state} is the pool before it.
     */
    private void count(Connection connection, PoolState state, Decision decision) {
        for (Decision.Admission admission : decision.admitted()) {
            Duration waited = Duration.between(admission.queuedAt(), decision.at());
            Timer timer = Timer.builder("quiver.pool.admission.wait")
                    .description("Time from a workload's queueing (again, after a preemption) to its admission")
                    .tag("queue", admission.queue()).tag("priority_class", admission.workload().priorityClass())
                    // waits for room last minutes or hours, past the 30 s a timer's buckets stop at by default; 30 s
                    // stays a bucket, which the pool's alert counts longer waits above
                    .publishPercentileHistogram().serviceLevelObjectives(Duration.ofSeconds(30))
                    .maximumExpectedValue(Duration.ofHours(6)).register(meters);
            transactions.afterCommit(connection, () -> timer.record(waited.isNegative() ? Duration.ZERO : waited));
        }
        for (Decision.Eviction eviction : decision.preempted()) {
            state.find(eviction.id()).ifPresent(entry -> {
                Counter preemptions = Counter.builder("quiver.pool.preemptions")
                        .description("Admitted workloads the pool preempted to make room for higher-priority work")
                        .tag("queue", entry.workload().queue()).register(meters);
                transactions.afterCommit(connection, preemptions::increment);
            });
        }
    }

    /** Of the workloads the events submit, those persisted before and no longer in the pool: ended ones. */
    private static Set<String> persisted(Connection connection, PoolState state, List<PoolEvent> events)
            throws SQLException {
        List<String> ids = events.stream().filter(PoolEvent.Submitted.class::isInstance)
                .map(event -> ((PoolEvent.Submitted) event).workload().id())
                .filter(id -> state.find(id).isEmpty()).distinct().toList();
        Set<String> found = new HashSet<>();
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            String marks = String.join(", ", Collections.nCopies(chunk.size(), "?"));
            found.addAll(Statements.query(connection, "select id from pool_workloads where id in (" + marks + ")",
                    row -> row.getString(1), chunk.toArray()));
        }
        return found;
    }

    private PoolState load(Connection connection) throws SQLException {
        PoolState state = new PoolState(spec);
        for (Loaded row : Statements.query(connection, "select id, queue, priority_class, priority, preempting, "
                + "request, pods, submitted_at, status, since from pool_workloads where status in ('PENDING', "
                + "'ADMITTED')", row -> new Loaded(new Workload(row.getString(1), row.getString(2),
                row.getString(3), row.getInt(4), row.getBoolean(5), request(row.getString(6)), row.getInt(7),
                Statements.instant(row, 8)), "ADMITTED".equals(row.getString(9)), Statements.instant(row, 10)))) {
            state.restore(row.workload(), row.admitted(), row.since());
        }
        return state;
    }

    private record Loaded(Workload workload, boolean admitted, Instant since) {
    }

    private Map<String, Long> request(String text) {
        try {
            return json.readValue(text, REQUEST);
        } catch (JsonProcessingException e) {
            throw new StoreException("a pool workload's request is not JSON: " + text, e);
        }
    }

    private String request(Map<String, Long> request) {
        try {
            return json.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers as JSON", e);
        }
    }

    /** A transaction's writes as two JDBC batches: new workloads first, then status changes in decision order. */
    private final class Writes {

        private final List<Object[]> inserts = new ArrayList<>();
        private final List<Object[]> updates = new ArrayList<>();

        void add(Decision decision, Map<String, Workload> submitted) {
            Instant at = decision.at();
            for (Workload workload : decision.queued()) {
                inserts.add(insert(workload, "PENDING", at, null, null));
            }
            for (Decision.Refusal refusal : decision.refused()) {
                Workload workload = submitted.get(refusal.id());
                if (workload != null) {
                    inserts.add(insert(workload, "REFUSED", at, refusal.reason(), refusal.message()));
                } else {
                    updates.add(new Object[] {"REFUSED", at, refusal.reason(), refusal.message(), 0, refusal.id()});
                }
            }
            decision.finished().forEach(id -> updates.add(new Object[] {"FINISHED", at, null, null, 0, id}));
            decision.preempted().forEach(eviction -> updates.add(new Object[] {"PENDING", at, eviction.reason(),
                    eviction.message(), 1, eviction.id()}));
            decision.admitted().forEach(admission -> updates.add(new Object[] {"ADMITTED", at, null, null, 0,
                    admission.id()}));
        }

        private Object[] insert(Workload workload, String status, Instant at, String reasonClass, String reason) {
            return new Object[] {workload.id(), workload.queue(), workload.priorityClass(), workload.priority(),
                workload.preempting(), request(workload.request()), workload.pods(),
                workload.submittedAt(), status, at, reasonClass, reason};
        }

        boolean isEmpty() {
            return inserts.isEmpty() && updates.isEmpty();
        }

        void run(Connection connection) throws SQLException {
            if (!inserts.isEmpty()) {
                Statements.batch(connection, "insert into pool_workloads (id, queue, priority_class, priority, "
                        + "preempting, request, pods, submitted_at, status, since, reason_class, reason) "
                        + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts);
            }
            if (!updates.isEmpty()) {
                Statements.batch(connection, "update pool_workloads set status = ?, since = ?, "
                        + "reason_class = coalesce(?, reason_class), reason = coalesce(?, reason), "
                        + "preemptions = preemptions + ? where id = ?", updates);
            }
        }
    }
}
