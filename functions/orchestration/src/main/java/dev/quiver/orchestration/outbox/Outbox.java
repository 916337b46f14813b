package dev.quiver.orchestration.outbox;

import static dev.quiver.orchestration.runs.Statements.query;
import static dev.quiver.orchestration.runs.Statements.update;

import dev.quiver.events.EventCodec;
import dev.quiver.orchestration.runs.StoreException;
import dev.quiver.orchestration.runs.Transactions;
import java.sql.Connection;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Events decided by a transaction, written in that same transaction and sent after it commits: an event is sent if and
 * only if its decision was committed, whatever crashes in between (a crash after sending and before marking sent sends
 * it again, with the same id, so receivers can tell).
 */
public final class Outbox {

    private final Transactions transactions;
    private final EventCodec codec;
    private final Clock clock;

    /** One event to send. */
    public record Entry(long seq, String eventId, String type, String runId, String subject, String data) {
    }

    public Outbox(Transactions transactions, EventCodec codec, Clock clock) {
        this.transactions = transactions;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * Adds an event in the caller's transaction. What is stored is checked against the catalog: a type it does not
     * name, a record it does not register for the type, or data that breaks the type's schema is a bug, refused here
     * (and the transaction with it) rather than sent.
     *
     * @throws IllegalArgumentException for such an event
     */
    public void add(Connection connection, String type, String runId, String subject, Record payload)
            throws SQLException {
        String data;
        try {
            data = new String(codec.data(type, payload), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("event " + type + " for run " + runId + ": " + e.getMessage(), e);
        }
        update(connection, "insert into outbox (event_id, type, run_id, subject, data, created_at) "
                + "values (?, ?, ?, ?, ?, ?)", UUID.randomUUID().toString(), type, runId, subject, data,
                clock.instant());
    }

    /** The oldest events not yet sent, in the order they were decided. */
    public List<Entry> unsent(int limit) {
        return transactions.inTransaction(connection -> query(connection, "select seq, event_id, type, run_id, "
                + "subject, data from outbox where sent_at is null order by seq limit ?", row -> new Entry(
                row.getLong(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5),
                row.getString(6)), limit));
    }

    /** Removes events sent before {@code before}; events not sent yet are kept whatever their age. */
    public int forgetSent(Instant before) {
        return transactions.inTransaction(connection -> update(connection, "delete from outbox where sent_at < ?",
                before));
    }

    public void markSent(Entry entry) {
        transactions.inTransaction(connection -> {
            if (update(connection, "update outbox set sent_at = ? where seq = ?", clock.instant(), entry.seq()) != 1) {
                throw new StoreException("outbox event " + entry.eventId() + " is gone", null);
            }
            return null;
        });
    }
}
