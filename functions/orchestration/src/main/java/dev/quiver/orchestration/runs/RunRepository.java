package dev.quiver.orchestration.runs;

import static dev.quiver.orchestration.store.Statements.batch;
import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.heldUpdate;
import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.orchestration.dag.RunPlanner;
import dev.quiver.orchestration.dag.StepState;
import dev.quiver.orchestration.memo.MemoDecision;
import dev.quiver.orchestration.memo.MemoKey;
import dev.quiver.orchestration.memo.MemoStore;
import dev.quiver.orchestration.pipeline.StepSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/** The SQL of runs, step instances, attempts and handled events, each statement in the caller's transaction. */
final class RunRepository {

    private final ObjectMapper json;

    RunRepository(ObjectMapper json) {
        this.json = json;
    }

    /** A run as locked for an update. */
    record LockedRun(String id, String pipeline, int pipelineVersion, Map<String, Object> parameters, RunState state,
                     long sequence, String requestedBy) {

        /** The run once its state and sequence are recorded as these. */
        LockedRun recorded(RunState recordedState, long recordedSequence) {
            return new LockedRun(id, pipeline, pipelineVersion, parameters, recordedState, recordedSequence,
                    requestedBy);
        }

        /** Whose retry budget the run spends: its {@code tenant} parameter, else who asked for it. */
        String tenant() {
            return parameters.get("tenant") instanceof String tenant && !tenant.isBlank() ? tenant : requestedBy;
        }
    }

    /** A step instance's row. */
    /** @param memoryBytes the memory limit a retry for memory gave its next attempts; null when none did */
    record InstanceRow(String instance, StepState state, int attempt, long started, long finished, Long memoryBytes) {

        long memoryBytes(StepSpec step) {
            return memoryBytes != null ? memoryBytes : step.resources().memoryBytes();
        }

        /** The row once its attempt has ended as {@code settled} at {@code sequence}. */
        InstanceRow finished(StepState settled, long sequence) {
            return new InstanceRow(instance, settled, attempt, started, sequence, memoryBytes);
        }
    }

    /** A due timer, or (timer 0) an attempt whose executor went quiet. */
    record Due(long timer, String runId, String instance, int attempt, Due.Kind kind, Instant since) {

        /** What fell due; the first two are the timers table's kinds, as stored. */
        enum Kind {
            /** The backoff before a retry is over: the next attempt is dispatched. */
            RETRY,
            /** The step's deadline passed: the attempt fails as {@code DeadlineExceeded}. */
            DEADLINE,
            /** No sign of life for the heartbeat timeout: the attempt fails as {@code HeartbeatTimeout}. */
            SILENCE;

            String stored() {
                return name().toLowerCase(Locale.ROOT);
            }

            static Kind ofStored(String kind) {
                return valueOf(kind.toUpperCase(Locale.ROOT));
            }
        }
    }

    /** A step instance of a run. */
    record InstanceKey(String runId, String instance) {
    }

    /** An event to record as handled: a CloudEvent is identified by its source and id. */
    record HandledEvent(String source, String id, String type) {
    }

    /** Records the event as handled; false when it already was (a redelivery, or a concurrent copy that won). */
    boolean firstDelivery(Connection c, String source, String id, String type, Instant now) throws SQLException {
        return update(c, "insert into processed_events (source, id, type, processed_at) values (?, ?, ?, ?) "
                + "on conflict do nothing", source, id, type, now) == 1;
    }

    /**
     * {@link #firstDelivery} for several events at once, in their order: an event that appears twice is the first
     * delivery at its first place only.
     */
    boolean[] firstDeliveries(Connection c, List<HandledEvent> events, Instant now) throws SQLException {
        List<Object[]> rows = events.stream().map(event -> new Object[] {event.source(), event.id(), event.type(), now})
                .toList();
        int[] inserted = batch(c, "insert into processed_events (source, id, type, processed_at) values (?, ?, ?, ?) "
                + "on conflict do nothing", rows);
        boolean[] first = new boolean[inserted.length];
        for (int i = 0; i < inserted.length; i++) {
            first[i] = inserted[i] == 1;
        }
        return first;
    }

    boolean runExists(Connection c, String runId) throws SQLException {
        return first(c, "select 1 from runs where id = ?", row -> true, runId).isPresent();
    }

    void insertRun(Connection c, String runId, String pipeline, int version, Map<String, Object> parameters,
                   String requestedBy, Instant now) throws SQLException {
        update(c, "insert into runs (id, pipeline, pipeline_version, parameters, state, sequence, requested_by, "
                + "created_at) values (?, ?, ?, ?, 'RUNNING', 0, ?, ?)", runId, pipeline, version,
                write(new TreeMap<>(parameters)), requestedBy, now);
    }

    void insertInstance(Connection c, String runId, String instance, String step, Instant now) throws SQLException {
        update(c, "insert into step_instances (run_id, instance, step, state, attempt, started_seq, finished_seq, "
                + "updated_at) values (?, ?, ?, 'PENDING', 0, 0, 0, ?)", runId, instance, step, now);
    }

    /** Locks the run's row until the transaction ends: handlers of one run's events take turns, on every replica. */
    Optional<LockedRun> lock(Connection c, String runId) throws SQLException {
        return first(c, "select id, pipeline, pipeline_version, parameters, state, sequence, requested_by from runs "
                + "where id = ? for update", this::lockedRun, runId);
    }

    private LockedRun lockedRun(ResultSet row) throws SQLException {
        return new LockedRun(row.getString(1), row.getString(2), row.getInt(3), read(row.getString(4)),
                RunState.valueOf(row.getString(5)), row.getLong(6), row.getString(7));
    }

    /**
     * {@link #lock} for several runs at once, locked in the order of their ids as every caller of this locks them, so
     * that two such callers never wait for each other; a run that does not exist is left out.
     */
    Map<String, LockedRun> lock(Connection c, SortedSet<String> runIds) throws SQLException {
        Map<String, LockedRun> locked = new HashMap<>();
        for (LockedRun run : query(c, "select id, pipeline, pipeline_version, parameters, state, sequence, "
                + "requested_by from runs where id in (" + placeholders(runIds.size()) + ") order by id for update",
                this::lockedRun, runIds.toArray())) {
            locked.put(run.id(), run);
        }
        return locked;
    }

    /** {@link #instances(Connection, String)} of several runs at once, by run. */
    Map<String, Map<String, InstanceRow>> instances(Connection c, Set<String> runIds) throws SQLException {
        Map<String, Map<String, InstanceRow>> byRun = new HashMap<>();
        if (runIds.isEmpty()) {
            return byRun;
        }
        for (String runId : runIds) {
            byRun.put(runId, new HashMap<>());
        }
        for (Map.Entry<String, InstanceRow> row : query(c, "select run_id, instance, state, attempt, started_seq, "
                + "finished_seq, memory_bytes from step_instances where run_id in (" + placeholders(runIds.size())
                + ")", row -> Map.entry(row.getString(1), instanceRow(row, 2)), runIds.toArray())) {
            byRun.get(row.getKey()).put(row.getValue().instance(), row.getValue());
        }
        return byRun;
    }

    private static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    Map<String, InstanceRow> instances(Connection c, String runId) throws SQLException {
        Map<String, InstanceRow> instances = new HashMap<>();
        for (InstanceRow row : query(c, "select instance, state, attempt, started_seq, finished_seq, memory_bytes "
                + "from step_instances where run_id = ?", row -> instanceRow(row, 1), runId)) {
            instances.put(row.instance(), row);
        }
        return instances;
    }

    /** The instance in the six columns from {@code column} on, in the order the queries above select them. */
    private static InstanceRow instanceRow(ResultSet row, int column) throws SQLException {
        return new InstanceRow(row.getString(column), StepState.valueOf(row.getString(column + 1)),
                row.getInt(column + 2), row.getLong(column + 3), row.getLong(column + 4),
                row.getObject(column + 5, Long.class));
    }

    static Map<String, RunPlanner.Progress> progress(Map<String, InstanceRow> instances) {
        Map<String, RunPlanner.Progress> progress = new HashMap<>();
        instances.forEach((id, row) -> progress.put(id, new RunPlanner.Progress(row.state(), row.started(),
                row.finished())));
        return progress;
    }

    void dispatch(Connection c, String runId, String instance, int attempt, long sequence, String reason,
                  Map<String, Object> params, Instant now) throws SQLException {
        // the new attempt's liveness counts from its dispatch: the last attempt's heartbeats say nothing about it
        update(c, "update step_instances set state = 'DISPATCHED', attempt = ?, started_seq = ?, reason = ?, "
                + "last_heartbeat_at = null, updated_at = ? where run_id = ? and instance = ?", attempt, sequence,
                reason, now, runId, instance);
        update(c, "insert into attempts (run_id, instance, attempt, state, dispatched_at, params) "
                + "values (?, ?, ?, 'DISPATCHED', ?, ?)", runId, instance, attempt, now, write(params));
    }

    /** The instance's next attempt waits for the pool to admit its workload; the reason is kept for its dispatch. */
    void queued(Connection c, String runId, String instance, int attempt, long sequence, String reason,
                String workload, Instant now) throws SQLException {
        update(c, "update step_instances set state = 'QUEUED', attempt = ?, started_seq = ?, reason = ?, "
                + "workload = ?, updated_at = ? where run_id = ? and instance = ?", attempt, sequence, reason,
                workload, now, runId, instance);
    }

    /** The workload the instance's current attempt holds or waits for in the pool; none when it never did. */
    Optional<String> workload(Connection c, String runId, String instance) throws SQLException {
        return first(c, "select workload from step_instances where run_id = ? and instance = ? "
                + "and workload is not null",
                row -> row.getString(1), runId, instance);
    }

    /** An attempt running, or dispatched to run, for the workload. */
    record Holder(String runId, String instance, int attempt) {
    }

    Optional<Holder> holder(Connection c, String workload) throws SQLException {
        return first(c, "select run_id, instance, attempt from step_instances where workload = ? "
                + "and state in ('DISPATCHED', 'RUNNING')", row -> new Holder(row.getString(1), row.getString(2),
                row.getInt(3)), workload);
    }

    /**
     * The dispatched attempt waits for another admission than the pool's (Kueue's, for its Job): queued, with no
     * workload of Quiver's pool and so no room of it held.
     */
    void awaitAdmission(Connection c, String runId, String instance, Instant now) throws SQLException {
        update(c, "update step_instances set state = 'QUEUED', workload = null, updated_at = ? where run_id = ? "
                + "and instance = ?", now, runId, instance);
    }

    /** Whether the attempt was dispatched to its executor (a queued one: to wait for Kueue's admission). */
    boolean attemptDispatched(Connection c, String runId, String instance, int attempt) throws SQLException {
        return first(c, "select 1 from attempts where run_id = ? and instance = ? and attempt = ?",
                row -> true, runId, instance, attempt).isPresent();
    }

    /** The queued attempt that waits for the workload: the step a workload's admission dispatches. */
    Optional<Holder> queuedFor(Connection c, String workload) throws SQLException {
        return first(c, "select run_id, instance, attempt from step_instances where workload = ? and state = 'QUEUED'",
                row -> new Holder(row.getString(1), row.getString(2), row.getInt(3)), workload);
    }

    /**
     * The attempt gave its room to higher-priority work: recorded as preempted, which is no failure of the step, and
     * the instance waits in the pool again for its next attempt, under the same workload.
     */
    void preempted(Connection c, String runId, String instance, int attempt, long sequence, String message,
                   Instant now) throws SQLException {
        update(c, "update step_instances set state = 'QUEUED', attempt = ?, started_seq = ?, reason = ?, "
                + "updated_at = ? where run_id = ? and instance = ?", attempt + 1, sequence, "Preempted: " + message,
                now, runId, instance);
        finishAttempt(c, runId, instance, attempt, "PREEMPTED", "Preempted", null, false, message, now);
    }

    /** A queued attempt the pool refused, with the pool's reason: its class ({@code TooLarge}) and message. */
    record Refused(String runId, String instance, int attempt, String reasonClass, String message) {
    }

    /** The queued attempts whose workloads the pool refused, whichever transaction refused them. */
    List<Refused> refused(Connection c) throws SQLException {
        return query(c, "select s.run_id, s.instance, s.attempt, w.reason_class, w.reason from step_instances s "
                + "join pool_workloads w on w.id = s.workload where s.state = 'QUEUED' and w.status = 'REFUSED'",
                row -> new Refused(row.getString(1), row.getString(2), row.getInt(3), row.getString(4),
                        row.getString(5)));
    }

    /** A queued attempt the pool has admitted. */
    record Admitted(String runId, String instance, int attempt, String reason, String queue) {
    }

    /** The queued attempts whose workloads the pool has admitted, whichever transaction admitted them. */
    List<Admitted> admitted(Connection c) throws SQLException {
        return query(c, "select s.run_id, s.instance, s.attempt, s.reason, w.queue from step_instances s "
                + "join pool_workloads w on w.id = s.workload where s.state = 'QUEUED' and w.status = 'ADMITTED' "
                + "order by w.since, w.id", row -> new Admitted(row.getString(1), row.getString(2), row.getInt(3),
                row.getString(4), row.getString(5)));
    }

    /** A final state decided without running: skipped or upstream-failed. */
    void settle(Connection c, String runId, String instance, StepState state, long sequence, String reason,
                Instant now) throws SQLException {
        update(c, "update step_instances set state = ?, finished_seq = ?, reason = ?, updated_at = ? "
                + "where run_id = ? and instance = ?", state.name(), sequence, reason, now, runId, instance);
    }

    void succeeded(Connection c, String runId, String instance, int attempt, long sequence,
                   Map<String, Object> outputs, Map<String, Double> metrics, Instant now) throws SQLException {
        heldUpdate(c, "update step_instances set state = 'SUCCEEDED', finished_seq = ?, outputs = ?, metrics = ?, "
                + "reason = null, updated_at = ? where run_id = ? and instance = ?", sequence, write(outputs),
                write(metrics), now, runId, instance);
        finishAttempt(c, runId, instance, attempt, "SUCCEEDED", null, null, false, null, now);
    }

    /**
     * The attempt failed and the instance with it.
     *
     * @param message what the attempt reported of its failure, kept with the attempt
     * @param reason  why the instance is failed (the retry decision's), kept with the instance
     */
    void failed(Connection c, StepFailed failure, long sequence, String reason, Instant now) throws SQLException {
        update(c, "update step_instances set state = 'FAILED', finished_seq = ?, reason = ?, updated_at = ? "
                + "where run_id = ? and instance = ?", sequence, failure.errorClass() + ": " + reason, now,
                failure.runId(), failure.instance());
        finishAttempt(c, failure, now);
    }

    /** The attempt failed and another follows after a backoff; a retry for memory raises the instance's limit. */
    void retryWait(Connection c, StepFailed failure, long sequence, Long memoryBytes, String reason, Instant now)
            throws SQLException {
        update(c, "update step_instances set state = 'RETRY_WAIT', finished_seq = ?, reason = ?, "
                + "memory_bytes = coalesce(?, memory_bytes), updated_at = ? where run_id = ? and instance = ?",
                sequence, reason, memoryBytes, now, failure.runId(), failure.instance());
        finishAttempt(c, failure, now);
    }

    /** The attempt failed and the instance waits, pending, for an upstream instance that runs again first. */
    void awaitUpstream(Connection c, StepFailed failure, long sequence, String reason, Instant now)
            throws SQLException {
        update(c, "update step_instances set state = 'PENDING', finished_seq = ?, reason = ?, updated_at = ? "
                + "where run_id = ? and instance = ?", sequence, reason, now, failure.runId(), failure.instance());
        finishAttempt(c, failure, now);
    }

    /**
     * The attempt was stopped with the function, which is no failure of the step: the attempt is recorded as
     * interrupted and the instance waits for its next attempt.
     */
    void interrupted(Connection c, String runId, String instance, int attempt, long sequence, String message,
                     Instant now) throws SQLException {
        update(c, "update step_instances set state = 'RETRY_WAIT', finished_seq = ?, reason = ?, updated_at = ? "
                + "where run_id = ? and instance = ?", sequence, "interrupted: " + message, now, runId, instance);
        finishAttempt(c, runId, instance, attempt, "INTERRUPTED", "Interrupted", null, false, message, now);
    }

    /**
     * An operator stopped the attempt: the attempt is recorded as cancelled (no failure of the step's code, and not
     * counted against its retries) and the instance as failed, with who asked.
     */
    void cancelled(Connection c, String runId, String instance, int attempt, long sequence, String message,
                   Instant now) throws SQLException {
        update(c, "update step_instances set state = 'FAILED', finished_seq = ?, reason = ?, updated_at = ? "
                + "where run_id = ? and instance = ?", sequence, "Cancelled: " + message, now, runId, instance);
        finishAttempt(c, runId, instance, attempt, "CANCELLED", "Cancelled", null, false, message, now);
    }

    /** The instance runs again from its trigger rule: earlier attempts, their results and artifacts are kept. */
    void reset(Connection c, String runId, String instance, long sequence, String reason, Instant now)
            throws SQLException {
        update(c, "update step_instances set state = 'PENDING', started_seq = ?, finished_seq = 0, reason = ?, "
                + "updated_at = ? where run_id = ? and instance = ?", sequence, reason, now, runId, instance);
    }

    /** An operator's order, as the run took it. */
    record Control(long sequence, String action, String instance, String requestedBy, String reason,
                   Instant requestedAt) {
    }

    void control(Connection c, String runId, Control control) throws SQLException {
        update(c, "insert into run_controls (run_id, seq, action, instance, requested_by, reason, requested_at) "
                + "values (?, ?, ?, ?, ?, ?, ?)", runId, control.sequence(), control.action(), control.instance(),
                control.requestedBy(), control.reason(), control.requestedAt());
    }

    /** Whether the instance still waits for the backoff of the retry after {@code attempt}. */
    boolean waitsForRetry(Connection c, String runId, String instance, int attempt) throws SQLException {
        return first(c, "select 1 from step_instances where run_id = ? and instance = ? and attempt = ? "
                + "and state = 'RETRY_WAIT'", row -> true, runId, instance, attempt).isPresent();
    }

    private static void finishAttempt(Connection c, StepFailed failure, Instant now) throws SQLException {
        finishAttempt(c, failure.runId(), failure.instance(), failure.attempt(), "FAILED", failure.errorClass(),
                failure.exitCode(), failure.killedForMemory(), failure.message(), now);
    }

    private static void finishAttempt(Connection c, String runId, String instance, int attempt, String state,
                                      String errorClass, Integer exitCode, boolean killedForMemory, String message,
                                      Instant now) throws SQLException {
        heldUpdate(c, "update attempts set state = ?, finished_at = ?, error_class = ?, exit_code = ?, "
                + "killed_for_memory = ?, message = ? where run_id = ? and instance = ? and attempt = ?", state, now,
                errorClass, exitCode, killedForMemory, message, runId, instance, attempt);
    }

    /**
     * An attempt's observation as samples at the time the executor observed them; the first one marks the instance
     * running. Liveness counts from when the heartbeat arrived, which no executor clock can skew.
     */
    void heartbeat(Connection c, String runId, String instance, int attempt, Instant observedAt, Instant received,
                   Map<String, Double> samples) throws SQLException {
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            update(c, "insert into step_samples (run_id, instance, attempt, name, observed_at, sample) "
                    + "values (?, ?, ?, ?, ?, ?)", runId, instance, attempt, sample.getKey(), observedAt,
                    sample.getValue());
        }
        update(c, "update step_instances set state = 'RUNNING', last_heartbeat_at = ? where run_id = ? "
                + "and instance = ?", received, runId, instance);
    }

    void addTimer(Connection c, String runId, String instance, int attempt, Due.Kind kind, Instant dueAt)
            throws SQLException {
        update(c, "insert into timers (run_id, instance, attempt, kind, due_at) values (?, ?, ?, ?, ?) "
                + "on conflict do nothing", runId, instance, attempt, kind.stored(), dueAt);
    }

    List<Due> dueTimers(Connection c, Instant now, int limit) throws SQLException {
        return query(c, "select id, run_id, instance, attempt, kind, due_at from timers where fired_at is null "
                + "and due_at <= ? order by due_at limit ?", row -> new Due(row.getLong(1), row.getString(2),
                row.getString(3), row.getInt(4), Due.Kind.ofStored(row.getString(5)), instant(row, 6)), now, limit);
    }

    /** Marks a timer fired; false when another replica fired it first. */
    boolean fire(Connection c, long timer, Instant now) throws SQLException {
        return update(c, "update timers set fired_at = ? where id = ? and fired_at is null", now, timer) == 1;
    }

    /** Running attempts whose last sign of life (a heartbeat, else the dispatch) is older than {@code quietSince}. */
    List<Due> quiet(Connection c, Instant quietSince, int limit) throws SQLException {
        return query(c, "select s.run_id, s.instance, s.attempt, coalesce(s.last_heartbeat_at, a.dispatched_at) "
                + "from step_instances s join attempts a on a.run_id = s.run_id and a.instance = s.instance "
                + "and a.attempt = s.attempt where s.state in ('DISPATCHED', 'RUNNING') "
                + "and coalesce(s.last_heartbeat_at, a.dispatched_at) < ? limit ?", row -> new Due(0,
                row.getString(1), row.getString(2), row.getInt(3), Due.Kind.SILENCE, instant(row, 4)), quietSince,
                limit);
    }

    /** A running attempt: its run's pipeline version and when it was dispatched. */
    record RunningAttempt(String runId, String pipeline, int version, String instance, int attempt,
                          Instant dispatchedAt) {
    }

    List<RunningAttempt> running(Connection c, int limit) throws SQLException {
        return query(c, "select s.run_id, r.pipeline, r.pipeline_version, s.instance, s.attempt, a.dispatched_at "
                + "from step_instances s join runs r on r.id = s.run_id join attempts a on a.run_id = s.run_id "
                + "and a.instance = s.instance and a.attempt = s.attempt where s.state in ('DISPATCHED', 'RUNNING') "
                + "order by a.dispatched_at limit ?", row -> new RunningAttempt(row.getString(1), row.getString(2),
                row.getInt(3), row.getString(4), row.getInt(5), instant(row, 6)), limit);
    }

    /** A progress report of an attempt. */
    record Progress(Instant at, double percent) {
    }

    /** An attempt's progress reports, oldest first. */
    List<Progress> progress(Connection c, String runId, String instance, int attempt) throws SQLException {
        return query(c, "select observed_at, sample from step_samples where run_id = ? and instance = ? "
                + "and attempt = ? and name = 'progress_percent' order by observed_at", row -> new Progress(
                instant(row, 1), row.getDouble(2)), runId, instance, attempt);
    }

    /** Keeps the attempt's latest checkpoint. */
    void checkpoint(Connection c, String runId, String instance, int attempt, String uri, String digest,
                    Instant observedAt) throws SQLException {
        update(c, "delete from checkpoints where run_id = ? and instance = ? and attempt = ?", runId, instance,
                attempt);
        update(c, "insert into checkpoints (run_id, instance, attempt, uri, digest, observed_at) "
                + "values (?, ?, ?, ?, ?, ?)", runId, instance, attempt, uri, digest, observedAt);
    }

    /** Records a worker of the attempt as slow; false when it was recorded before. */
    boolean slowWorker(Connection c, String runId, String instance, int attempt, String worker, double throughput,
                       double peerMedian, Instant now) throws SQLException {
        return update(c, "insert into slow_workers (run_id, instance, attempt, worker, throughput, peer_median, "
                + "reported_at) values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing", runId, instance, attempt, worker,
                throughput, peerMedian, now) == 1;
    }

    /** The checkpoint of the latest earlier attempt of the instance that reported one, as input {@code checkpoint}. */
    Optional<MemoKey.Input> checkpointBefore(Connection c, String runId, String instance, int attempt)
            throws SQLException {
        return first(c, "select uri, digest from checkpoints where run_id = ? and instance = ? and attempt < ? "
                + "order by attempt desc limit 1", row -> new MemoKey.Input(instance, "checkpoint", row.getString(1),
                row.getString(2)), runId, instance, attempt);
    }

    /** The last sign of life of an instance's current attempt. */
    Instant lastSignOfLife(Connection c, String runId, String instance) throws SQLException {
        return first(c, "select coalesce(s.last_heartbeat_at, a.dispatched_at) from step_instances s join attempts a "
                + "on a.run_id = s.run_id and a.instance = s.instance and a.attempt = s.attempt "
                + "where s.run_id = ? and s.instance = ?", row -> instant(row, 1), runId, instance)
                .orElse(Instant.MAX);
    }

    /** The artifacts of each instance's latest successful attempt in a run, as memoization inputs. */
    Map<String, List<MemoKey.Input>> artifactsByInstance(Connection c, String runId) throws SQLException {
        Map<String, List<MemoKey.Input>> artifacts = new HashMap<>();
        for (MemoKey.Input input : query(c, "select f.instance, f.name, f.uri, f.digest from artifacts f "
                + "join step_instances s on s.run_id = f.run_id and s.instance = f.instance and s.attempt = f.attempt "
                + "where f.run_id = ? and s.state = 'SUCCEEDED'", row -> new MemoKey.Input(row.getString(1),
                row.getString(2), row.getString(3), row.getString(4)), runId)) {
            artifacts.computeIfAbsent(input.instance(), ignored -> new ArrayList<>()).add(input);
        }
        return artifacts;
    }

    /** The metrics each instance of a run recorded, as stored. */
    Map<String, String> metricsByInstance(Connection c, String runId) throws SQLException {
        Map<String, String> metrics = new HashMap<>();
        for (Map.Entry<String, String> row : query(c, "select instance, metrics from step_instances "
                + "where run_id = ? and metrics is not null", row -> Map.entry(row.getString(1), row.getString(2)),
                runId)) {
            metrics.put(row.getKey(), row.getValue());
        }
        return metrics;
    }

    /** Settles an instance with a memoized result: an attempt that ran nothing, with the earlier artifacts. */
    void memoized(Connection c, String runId, String instance, int attempt, long sequence, String reason,
                  Map<String, Object> params, MemoStore.Stored stored, Instant now) throws SQLException {
        update(c, "update step_instances set state = 'SUCCEEDED', attempt = ?, started_seq = ?, finished_seq = ?, "
                + "reason = ?, outputs = ?, metrics = ?, updated_at = ? where run_id = ? and instance = ?", attempt,
                sequence, sequence, reason, stored.outputs(), stored.metrics(), now, runId, instance);
        update(c, "insert into attempts (run_id, instance, attempt, state, dispatched_at, finished_at, message, "
                + "params) values (?, ?, ?, 'SUCCEEDED', ?, ?, ?, ?)", runId, instance, attempt, now, now, reason,
                write(params));
        MemoDecision.Entry from = stored.entry();
        update(c, "insert into artifacts (run_id, instance, attempt, name, uri, digest) select ?, ?, ?, name, uri, "
                + "digest from artifacts where run_id = ? and instance = ? and attempt = ?", runId, instance, attempt,
                from.runId(), from.instance(), from.attempt());
    }

    void memoKey(Connection c, String runId, String instance, int attempt, String key) throws SQLException {
        update(c, "update attempts set memo_key = ? where run_id = ? and instance = ? and attempt = ?", key, runId,
                instance, attempt);
    }

    /** The memoization key an attempt ran under, if its step memoizes. */
    Optional<String> memoKeyOf(Connection c, String runId, String instance, int attempt) throws SQLException {
        return first(c, "select memo_key from attempts where run_id = ? and instance = ? and attempt = ?",
                row -> Optional.ofNullable(row.getString(1)), runId, instance, attempt).flatMap(key -> key);
    }

    /** The instance waits for an identical step of another run to finish. */
    void waiting(Connection c, String runId, String instance, String key, String reason, Instant now)
            throws SQLException {
        update(c, "update step_instances set state = 'WAITING', waiting_key = ?, reason = ?, updated_at = ? "
                + "where run_id = ? and instance = ?", key, reason, now, runId, instance);
    }

    /** Waiting instances whose awaited result is in, or whose awaited step gave up its claim. */
    List<InstanceKey> resumable(Connection c, int limit) throws SQLException {
        return query(c, "select s.run_id, s.instance from step_instances s where s.state = 'WAITING' and ("
                + "exists (select 1 from memo_entries e where e.cache_key = s.waiting_key) "
                + "or not exists (select 1 from memo_claims m where m.cache_key = s.waiting_key)) limit ?",
                row -> new InstanceKey(row.getString(1), row.getString(2)), limit);
    }

    /** A waiting instance goes back to pending, to be planned again. */
    boolean resume(Connection c, String runId, String instance) throws SQLException {
        return update(c, "update step_instances set state = 'PENDING', waiting_key = null where run_id = ? "
                + "and instance = ? and state = 'WAITING'", runId, instance) == 1;
    }

    /** Forgets handled events older than {@code before}; returns how many. */
    int forgetEvents(Connection c, Instant before) throws SQLException {
        return update(c, "delete from processed_events where processed_at < ?", before);
    }

    void artifact(Connection c, String runId, String instance, int attempt, String name, String uri, String digest)
            throws SQLException {
        update(c, "insert into artifacts (run_id, instance, attempt, name, uri, digest) values (?, ?, ?, ?, ?, ?)",
                runId, instance, attempt, name, uri, digest);
    }

    void updateRun(Connection c, String runId, RunState state, long sequence, Instant finishedAt) throws SQLException {
        heldUpdate(c, "update runs set state = ?, sequence = ?, finished_at = ? where id = ?", state.name(), sequence,
                finishedAt, runId);
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value == null ? Map.of() : value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot store " + value + ": " + e.getMessage(), e);
        }
    }

    Map<String, Object> read(String text) {
        try {
            return json.readValue(text, new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored run parameters are not JSON: " + e.getMessage(), e);
        }
    }
}
