package dev.quiver.orchestration.memo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The memoized results, each statement in the caller's transaction. */
public final class MemoStore {

    /** A stored result: where it came from, and its outputs and metrics as stored JSON. */
    public record Stored(MemoDecision.Entry entry, String outputs, String metrics) {
    }

    public Optional<Stored> find(Connection c, String key) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("select run_id, instance, attempt, created_at, "
                + "input_records, outputs, metrics from memo_entries where cache_key = ?")) {
            select.setString(1, key);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                Double records = rows.getObject(5) == null ? null : rows.getDouble(5);
                return Optional.of(new Stored(new MemoDecision.Entry(rows.getString(1), rows.getString(2),
                        rows.getInt(3), rows.getTimestamp(4).toInstant(), records), rows.getString(6),
                        rows.getString(7)));
            }
        }
    }

    /** Records a fresh result under its key, replacing an older one. */
    public void record(Connection c, String key, String pipeline, String step, String runId, String instance,
                       int attempt, String outputs, String metrics, Double inputRecords, Instant now)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into memo_entries (cache_key, pipeline, step, "
                + "run_id, instance, attempt, outputs, metrics, input_records, created_at, hits) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) on conflict do nothing")) {
            insert.setString(1, key);
            insert.setString(2, pipeline);
            insert.setString(3, step);
            insert.setString(4, runId);
            insert.setString(5, instance);
            insert.setInt(6, attempt);
            insert.setString(7, outputs);
            insert.setString(8, metrics);
            setRecords(insert, 9, inputRecords);
            insert.setTimestamp(10, Timestamp.from(now));
            if (insert.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement update = c.prepareStatement("update memo_entries set run_id = ?, instance = ?, "
                + "attempt = ?, outputs = ?, metrics = ?, input_records = ?, created_at = ? where cache_key = ?")) {
            update.setString(1, runId);
            update.setString(2, instance);
            update.setInt(3, attempt);
            update.setString(4, outputs);
            update.setString(5, metrics);
            setRecords(update, 6, inputRecords);
            update.setTimestamp(7, Timestamp.from(now));
            update.setString(8, key);
            update.executeUpdate();
        }
    }

    /** Who holds a claim on a key: the attempt running the identical step. */
    public record Claim(String runId, String instance, int attempt) {
    }

    /**
     * Claims the key for an attempt about to run; the holder when another attempt has it already.
     *
     * @return empty when this attempt now holds the claim
     */
    public Optional<Claim> claim(Connection c, String key, String runId, String instance, int attempt, Instant now)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into memo_claims (cache_key, run_id, instance, "
                + "attempt, claimed_at) values (?, ?, ?, ?, ?) on conflict do nothing")) {
            insert.setString(1, key);
            insert.setString(2, runId);
            insert.setString(3, instance);
            insert.setInt(4, attempt);
            insert.setTimestamp(5, Timestamp.from(now));
            if (insert.executeUpdate() == 1) {
                return Optional.empty();
            }
        }
        try (PreparedStatement select = c.prepareStatement("select run_id, instance, attempt from memo_claims "
                + "where cache_key = ?")) {
            select.setString(1, key);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(new Claim(rows.getString(1), rows.getString(2), rows.getInt(3)))
                        : Optional.empty();
            }
        }
    }

    /** Gives up the claims an instance of a run holds: its attempt ended, one way or the other. */
    public void release(Connection c, String runId, String instance) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("delete from memo_claims where run_id = ? "
                + "and instance = ?")) {
            delete.setString(1, runId);
            delete.setString(2, instance);
            delete.executeUpdate();
        }
    }

    public void hit(Connection c, String key, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("update memo_entries set hits = hits + 1, last_hit_at = ? "
                + "where cache_key = ?")) {
            update.setTimestamp(1, Timestamp.from(now));
            update.setString(2, key);
            update.executeUpdate();
        }
    }

    /** Removes results older than {@code ttl}, and those not reused (or made) within {@code idle}. */
    public int collect(Connection c, Instant now, Duration ttl, Duration idle) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("delete from memo_entries where created_at < ? "
                + "or coalesce(last_hit_at, created_at) < ?")) {
            delete.setTimestamp(1, Timestamp.from(now.minus(ttl)));
            delete.setTimestamp(2, Timestamp.from(now.minus(idle)));
            return delete.executeUpdate();
        }
    }

    private static void setRecords(PreparedStatement statement, int index, Double records) throws SQLException {
        if (records == null) {
            statement.setNull(index, Types.DOUBLE);
        } else {
            statement.setDouble(index, records);
        }
    }
}
