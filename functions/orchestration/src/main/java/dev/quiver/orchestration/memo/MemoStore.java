package dev.quiver.orchestration.memo;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.update;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The memoized results, each statement in the caller's transaction. */
public final class MemoStore {

    /** A stored result: where it came from, and its outputs and metrics as stored JSON. */
    public record Stored(MemoDecision.Entry entry, String outputs, String metrics) {
    }

    /** Who holds a claim on a key: the attempt running the identical step. */
    public record Claim(String runId, String instance, int attempt) {
    }

    public Optional<Stored> find(Connection c, String key) throws SQLException {
        return first(c, "select run_id, instance, attempt, created_at, input_records, outputs, metrics "
                + "from memo_entries where cache_key = ?", row -> new Stored(new MemoDecision.Entry(row.getString(1),
                row.getString(2), row.getInt(3), instant(row, 4), row.getObject(5) == null ? null : row.getDouble(5)),
                row.getString(6), row.getString(7)), key);
    }

    /** Records a fresh result under its key, replacing an older one. */
    public void record(Connection c, String key, String pipeline, String step, String runId, String instance,
                       int attempt, String outputs, String metrics, Double inputRecords, Instant now)
            throws SQLException {
        int inserted = update(c, "insert into memo_entries (cache_key, pipeline, step, run_id, instance, attempt, "
                + "outputs, metrics, input_records, created_at, hits) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) "
                + "on conflict do nothing", key, pipeline, step, runId, instance, attempt, outputs, metrics,
                inputRecords, now);
        if (inserted == 0) {
            update(c, "update memo_entries set run_id = ?, instance = ?, attempt = ?, outputs = ?, metrics = ?, "
                    + "input_records = ?, created_at = ? where cache_key = ?", runId, instance, attempt, outputs,
                    metrics, inputRecords, now, key);
        }
    }

    /**
     * Claims the key for an attempt about to run; the holder when another attempt has it already.
     *
     * @return empty when this attempt now holds the claim
     */
    public Optional<Claim> claim(Connection c, String key, String runId, String instance, int attempt, Instant now)
            throws SQLException {
        if (update(c, "insert into memo_claims (cache_key, run_id, instance, attempt, claimed_at) "
                + "values (?, ?, ?, ?, ?) on conflict do nothing", key, runId, instance, attempt, now) == 1) {
            return Optional.empty();
        }
        return first(c, "select run_id, instance, attempt from memo_claims where cache_key = ?",
                row -> new Claim(row.getString(1), row.getString(2), row.getInt(3)), key);
    }

    /** Gives up the claims an instance of a run holds: its attempt ended, one way or the other. */
    public void release(Connection c, String runId, String instance) throws SQLException {
        update(c, "delete from memo_claims where run_id = ? and instance = ?", runId, instance);
    }

    /** Drops the result under a key: what it points at is gone, so no later step may reuse it. */
    public void forget(Connection c, String key) throws SQLException {
        update(c, "delete from memo_entries where cache_key = ?", key);
    }

    public void hit(Connection c, String key, Instant now) throws SQLException {
        update(c, "update memo_entries set hits = hits + 1, last_hit_at = ? where cache_key = ?", now, key);
    }

    /** Removes results older than {@code ttl}, and those not reused (or made) within {@code idle}. */
    public int collect(Connection c, Instant now, Duration ttl, Duration idle) throws SQLException {
        return update(c, "delete from memo_entries where created_at < ? or coalesce(last_hit_at, created_at) < ?",
                now.minus(ttl), now.minus(idle));
    }
}
