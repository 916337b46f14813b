package dev.quiver.orchestration.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.dag.RunPlanner;
import dev.quiver.orchestration.dag.StepState;
import dev.quiver.orchestration.memo.MemoDecision;
import dev.quiver.orchestration.memo.MemoKey;
import dev.quiver.orchestration.memo.MemoStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The SQL of runs, step instances, attempts and handled events, each statement in the caller's transaction. */
final class RunRepository {

    private final ObjectMapper json;

    RunRepository(ObjectMapper json) {
        this.json = json;
    }

    /** A run as locked for an update. */
    record LockedRun(String id, String pipeline, int pipelineVersion, Map<String, Object> parameters, String state,
                     long sequence) {
    }

    /** A step instance's row. */
    record InstanceRow(String instance, StepState state, int attempt, long started, long finished) {
    }

    /** Records the event as handled; false when it already was (a redelivery, or a concurrent copy that won). */
    boolean firstDelivery(Connection c, String source, String id, String type, Instant now) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into processed_events (source, id, type, "
                + "processed_at) values (?, ?, ?, ?) on conflict do nothing")) {
            insert.setString(1, source);
            insert.setString(2, id);
            insert.setString(3, type);
            insert.setTimestamp(4, Timestamp.from(now));
            return insert.executeUpdate() == 1;
        }
    }

    boolean runExists(Connection c, String runId) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("select 1 from runs where id = ?")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    void insertRun(Connection c, String runId, String pipeline, int version, Map<String, Object> parameters,
                   String requestedBy, Instant now) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into runs (id, pipeline, pipeline_version, "
                + "parameters, state, sequence, requested_by, created_at) values (?, ?, ?, ?, 'RUNNING', 0, ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, pipeline);
            insert.setInt(3, version);
            insert.setString(4, write(parameters));
            insert.setString(5, requestedBy);
            insert.setTimestamp(6, Timestamp.from(now));
            insert.executeUpdate();
        }
    }

    void insertInstance(Connection c, String runId, String instance, String step, Instant now) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into step_instances (run_id, instance, step, state, "
                + "attempt, started_seq, finished_seq, updated_at) values (?, ?, ?, 'PENDING', 0, 0, 0, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, instance);
            insert.setString(3, step);
            insert.setTimestamp(4, Timestamp.from(now));
            insert.executeUpdate();
        }
    }

    /** Locks the run's row until the transaction ends: handlers of one run's events take turns, on every replica. */
    Optional<LockedRun> lock(Connection c, String runId) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("select id, pipeline, pipeline_version, parameters, state, "
                + "sequence from runs where id = ? for update")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(new LockedRun(rows.getString(1), rows.getString(2), rows.getInt(3),
                        read(rows.getString(4)), rows.getString(5), rows.getLong(6)));
            }
        }
    }

    Map<String, InstanceRow> instances(Connection c, String runId) throws SQLException {
        Map<String, InstanceRow> instances = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement("select instance, state, attempt, started_seq, "
                + "finished_seq from step_instances where run_id = ?")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    instances.put(rows.getString(1), new InstanceRow(rows.getString(1),
                            StepState.valueOf(rows.getString(2)), rows.getInt(3), rows.getLong(4), rows.getLong(5)));
                }
            }
        }
        return instances;
    }

    static Map<String, RunPlanner.Progress> progress(Map<String, InstanceRow> instances) {
        Map<String, RunPlanner.Progress> progress = new HashMap<>();
        instances.forEach((id, row) -> progress.put(id, new RunPlanner.Progress(row.state(), row.started(),
                row.finished())));
        return progress;
    }

    void dispatch(Connection c, String runId, String instance, int attempt, long sequence, String reason,
                  Map<String, Object> params, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'DISPATCHED', "
                + "attempt = ?, started_seq = ?, reason = ?, updated_at = ? where run_id = ? and instance = ?")) {
            update.setInt(1, attempt);
            update.setLong(2, sequence);
            update.setString(3, reason);
            update.setTimestamp(4, Timestamp.from(now));
            update.setString(5, runId);
            update.setString(6, instance);
            update.executeUpdate();
        }
        try (PreparedStatement insert = c.prepareStatement("insert into attempts (run_id, instance, attempt, state, "
                + "dispatched_at, params) values (?, ?, ?, 'DISPATCHED', ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, instance);
            insert.setInt(3, attempt);
            insert.setTimestamp(4, Timestamp.from(now));
            insert.setString(5, write(params));
            insert.executeUpdate();
        }
    }

    /** A final state decided without running: skipped or upstream-failed. */
    void settle(Connection c, String runId, String instance, StepState state, long sequence, String reason,
                Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = ?, finished_seq = ?, "
                + "reason = ?, updated_at = ? where run_id = ? and instance = ?")) {
            update.setString(1, state.name());
            update.setLong(2, sequence);
            update.setString(3, reason);
            update.setTimestamp(4, Timestamp.from(now));
            update.setString(5, runId);
            update.setString(6, instance);
            update.executeUpdate();
        }
    }

    void succeeded(Connection c, String runId, String instance, int attempt, long sequence,
                   Map<String, Object> outputs, Map<String, Double> metrics, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'SUCCEEDED', "
                + "finished_seq = ?, outputs = ?, metrics = ?, reason = null, updated_at = ? "
                + "where run_id = ? and instance = ?")) {
            update.setLong(1, sequence);
            update.setString(2, write(outputs));
            update.setString(3, write(metrics));
            update.setTimestamp(4, Timestamp.from(now));
            update.setString(5, runId);
            update.setString(6, instance);
            update.executeUpdate();
        }
        finishAttempt(c, runId, instance, attempt, "SUCCEEDED", null, null, false, null, now);
    }

    void failed(Connection c, String runId, String instance, int attempt, long sequence, String errorClass,
                Integer exitCode, boolean killedForMemory, String message, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'FAILED', "
                + "finished_seq = ?, reason = ?, updated_at = ? where run_id = ? and instance = ?")) {
            update.setLong(1, sequence);
            update.setString(2, errorClass + (message == null ? "" : ": " + message));
            update.setTimestamp(3, Timestamp.from(now));
            update.setString(4, runId);
            update.setString(5, instance);
            update.executeUpdate();
        }
        finishAttempt(c, runId, instance, attempt, "FAILED", errorClass, exitCode, killedForMemory, message, now);
    }

    private void finishAttempt(Connection c, String runId, String instance, int attempt, String state,
                               String errorClass, Integer exitCode, boolean killedForMemory, String message,
                               Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update attempts set state = ?, finished_at = ?, "
                + "error_class = ?, exit_code = ?, killed_for_memory = ?, message = ? "
                + "where run_id = ? and instance = ? and attempt = ?")) {
            update.setString(1, state);
            update.setTimestamp(2, Timestamp.from(now));
            update.setString(3, errorClass);
            if (exitCode == null) {
                update.setNull(4, Types.INTEGER);
            } else {
                update.setInt(4, exitCode);
            }
            update.setBoolean(5, killedForMemory);
            update.setString(6, message);
            update.setString(7, runId);
            update.setString(8, instance);
            update.setInt(9, attempt);
            update.executeUpdate();
        }
    }

    /**
     * An attempt's observation as samples at the time the executor observed them; the first one marks the instance
     * running. Liveness counts from when the heartbeat arrived, which no executor clock can skew.
     */
    void heartbeat(Connection c, String runId, String instance, int attempt, Instant observedAt, Instant received,
                   Map<String, Double> samples) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into step_samples (run_id, instance, attempt, name, "
                + "observed_at, sample) values (?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, Double> sample : samples.entrySet()) {
                insert.setString(1, runId);
                insert.setString(2, instance);
                insert.setInt(3, attempt);
                insert.setString(4, sample.getKey());
                insert.setTimestamp(5, Timestamp.from(observedAt));
                insert.setDouble(6, sample.getValue());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'RUNNING', "
                + "last_heartbeat_at = ? where run_id = ? and instance = ?")) {
            update.setTimestamp(1, Timestamp.from(received));
            update.setString(2, runId);
            update.setString(3, instance);
            update.executeUpdate();
        }
    }

    void addTimer(Connection c, String runId, String instance, int attempt, String kind, Instant dueAt)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into timers (run_id, instance, attempt, kind, "
                + "due_at) values (?, ?, ?, ?, ?) on conflict do nothing")) {
            insert.setString(1, runId);
            insert.setString(2, instance);
            insert.setInt(3, attempt);
            insert.setString(4, kind);
            insert.setTimestamp(5, Timestamp.from(dueAt));
            insert.executeUpdate();
        }
    }

    /** A due timer, or an attempt whose executor went quiet. */
    record Due(long timer, String runId, String instance, int attempt, String kind, Instant since) {
    }

    List<Due> dueTimers(Connection c, Instant now, int limit) throws SQLException {
        List<Due> due = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select id, run_id, instance, attempt, kind, due_at "
                + "from timers where fired_at is null and due_at <= ? order by due_at limit ?")) {
            select.setTimestamp(1, Timestamp.from(now));
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    due.add(new Due(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getInt(4),
                            rows.getString(5), rows.getTimestamp(6).toInstant()));
                }
            }
        }
        return due;
    }

    /** Marks a timer fired; false when another replica fired it first. */
    boolean fire(Connection c, long timer, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update timers set fired_at = ? where id = ? "
                + "and fired_at is null")) {
            update.setTimestamp(1, Timestamp.from(now));
            update.setLong(2, timer);
            return update.executeUpdate() == 1;
        }
    }

    /** Running attempts whose last sign of life (a heartbeat, else the dispatch) is older than {@code quietSince}. */
    List<Due> quiet(Connection c, Instant quietSince, int limit) throws SQLException {
        List<Due> quiet = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select s.run_id, s.instance, s.attempt, "
                + "coalesce(s.last_heartbeat_at, a.dispatched_at) from step_instances s join attempts a "
                + "on a.run_id = s.run_id and a.instance = s.instance and a.attempt = s.attempt "
                + "where s.state in ('DISPATCHED', 'RUNNING') "
                + "and coalesce(s.last_heartbeat_at, a.dispatched_at) < ? limit ?")) {
            select.setTimestamp(1, Timestamp.from(quietSince));
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    quiet.add(new Due(0, rows.getString(1), rows.getString(2), rows.getInt(3), "heartbeat",
                            rows.getTimestamp(4).toInstant()));
                }
            }
        }
        return quiet;
    }

    /** The last sign of life of an instance's current attempt. */
    Instant lastSignOfLife(Connection c, String runId, String instance) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("select coalesce(s.last_heartbeat_at, a.dispatched_at) "
                + "from step_instances s join attempts a on a.run_id = s.run_id and a.instance = s.instance "
                + "and a.attempt = s.attempt where s.run_id = ? and s.instance = ?")) {
            select.setString(1, runId);
            select.setString(2, instance);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getTimestamp(1).toInstant() : Instant.MAX;
            }
        }
    }

    /** The artifacts of each instance's latest successful attempt in a run, as memoization inputs. */
    Map<String, List<MemoKey.Input>> artifactsByInstance(Connection c, String runId) throws SQLException {
        Map<String, List<MemoKey.Input>> artifacts = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement("select f.instance, f.name, f.uri, f.digest "
                + "from artifacts f join step_instances s on s.run_id = f.run_id and s.instance = f.instance "
                + "and s.attempt = f.attempt where f.run_id = ? and s.state = 'SUCCEEDED'")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    artifacts.computeIfAbsent(rows.getString(1), ignored -> new ArrayList<>()).add(
                            new MemoKey.Input(rows.getString(1), rows.getString(2), rows.getString(3),
                                    rows.getString(4)));
                }
            }
        }
        return artifacts;
    }

    /** The metrics each instance of a run recorded, as stored. */
    Map<String, String> metricsByInstance(Connection c, String runId) throws SQLException {
        Map<String, String> metrics = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement("select instance, metrics from step_instances "
                + "where run_id = ? and metrics is not null")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    metrics.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return metrics;
    }

    /** Settles an instance with a memoized result: an attempt that ran nothing, with the earlier artifacts. */
    void memoized(Connection c, String runId, String instance, int attempt, long sequence, String reason,
                  Map<String, Object> params, MemoStore.Stored stored, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'SUCCEEDED', "
                + "attempt = ?, started_seq = ?, finished_seq = ?, reason = ?, outputs = ?, metrics = ?, "
                + "updated_at = ? where run_id = ? and instance = ?")) {
            update.setInt(1, attempt);
            update.setLong(2, sequence);
            update.setLong(3, sequence);
            update.setString(4, reason);
            update.setString(5, stored.outputs());
            update.setString(6, stored.metrics());
            update.setTimestamp(7, Timestamp.from(now));
            update.setString(8, runId);
            update.setString(9, instance);
            update.executeUpdate();
        }
        try (PreparedStatement insert = c.prepareStatement("insert into attempts (run_id, instance, attempt, state, "
                + "dispatched_at, finished_at, message, params) values (?, ?, ?, 'SUCCEEDED', ?, ?, ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, instance);
            insert.setInt(3, attempt);
            insert.setTimestamp(4, Timestamp.from(now));
            insert.setTimestamp(5, Timestamp.from(now));
            insert.setString(6, reason);
            insert.setString(7, write(params));
            insert.executeUpdate();
        }
        MemoDecision.Entry from = stored.entry();
        try (PreparedStatement copy = c.prepareStatement("insert into artifacts (run_id, instance, attempt, name, uri, "
                + "digest) select ?, ?, ?, name, uri, digest from artifacts where run_id = ? and instance = ? "
                + "and attempt = ?")) {
            copy.setString(1, runId);
            copy.setString(2, instance);
            copy.setInt(3, attempt);
            copy.setString(4, from.runId());
            copy.setString(5, from.instance());
            copy.setInt(6, from.attempt());
            copy.executeUpdate();
        }
    }

    void memoKey(Connection c, String runId, String instance, int attempt, String key) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update attempts set memo_key = ? where run_id = ? "
                + "and instance = ? and attempt = ?")) {
            update.setString(1, key);
            update.setString(2, runId);
            update.setString(3, instance);
            update.setInt(4, attempt);
            update.executeUpdate();
        }
    }

    /** The memoization key an attempt ran under, if its step memoizes. */
    Optional<String> memoKeyOf(Connection c, String runId, String instance, int attempt) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("select memo_key from attempts where run_id = ? "
                + "and instance = ? and attempt = ?")) {
            select.setString(1, runId);
            select.setString(2, instance);
            select.setInt(3, attempt);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
            }
        }
    }

    /** The instance waits for an identical step of another run to finish. */
    void waiting(Connection c, String runId, String instance, String key, String reason, Instant now)
            throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'WAITING', "
                + "waiting_key = ?, reason = ?, updated_at = ? where run_id = ? and instance = ?")) {
            update.setString(1, key);
            update.setString(2, reason);
            update.setTimestamp(3, Timestamp.from(now));
            update.setString(4, runId);
            update.setString(5, instance);
            update.executeUpdate();
        }
    }

    /** Waiting instances whose awaited result is in, or whose awaited step gave up its claim. */
    List<String[]> resumable(Connection c, int limit) throws SQLException {
        List<String[]> found = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select s.run_id, s.instance from step_instances s "
                + "where s.state = 'WAITING' and (exists (select 1 from memo_entries e where e.cache_key = "
                + "s.waiting_key) or not exists (select 1 from memo_claims m where m.cache_key = s.waiting_key)) "
                + "limit ?")) {
            select.setInt(1, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.add(new String[] {rows.getString(1), rows.getString(2)});
                }
            }
        }
        return found;
    }

    /** A waiting instance goes back to pending, to be planned again. */
    boolean resume(Connection c, String runId, String instance) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update step_instances set state = 'PENDING', "
                + "waiting_key = null where run_id = ? and instance = ? and state = 'WAITING'")) {
            update.setString(1, runId);
            update.setString(2, instance);
            return update.executeUpdate() == 1;
        }
    }

    /** Forgets handled events older than {@code before}; returns how many. */
    int forgetEvents(Connection c, Instant before) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("delete from processed_events where processed_at < ?")) {
            delete.setTimestamp(1, Timestamp.from(before));
            return delete.executeUpdate();
        }
    }

    void artifact(Connection c, String runId, String instance, int attempt, String name, String uri, String digest)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into artifacts (run_id, instance, attempt, name, "
                + "uri, digest) values (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, instance);
            insert.setInt(3, attempt);
            insert.setString(4, name);
            insert.setString(5, uri);
            insert.setString(6, digest);
            insert.executeUpdate();
        }
    }

    void updateRun(Connection c, String runId, String state, long sequence, Instant finishedAt) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update runs set state = ?, sequence = ?, finished_at = ? "
                + "where id = ?")) {
            update.setString(1, state);
            update.setLong(2, sequence);
            update.setTimestamp(3, finishedAt == null ? null : Timestamp.from(finishedAt));
            update.setString(4, runId);
            update.executeUpdate();
        }
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
