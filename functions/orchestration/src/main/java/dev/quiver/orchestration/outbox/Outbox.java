package dev.quiver.orchestration.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.runs.StoreException;
import dev.quiver.orchestration.runs.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Events decided by a transaction, written in that same transaction and sent after it commits: an event is sent if and
 * only if its decision was committed, whatever crashes in between (a crash after sending and before marking sent sends
 * it again, with the same id, so receivers can tell).
 */
public final class Outbox {

    private final Transactions transactions;
    private final ObjectMapper json;
    private final Clock clock;

    /** One event to send. */
    public record Entry(long seq, String eventId, String type, String runId, String subject, String data) {
    }

    public Outbox(Transactions transactions, ObjectMapper json, Clock clock) {
        this.transactions = transactions;
        this.json = json;
        this.clock = clock;
    }

    /** Adds an event in the caller's transaction. */
    public void add(Connection connection, String type, String runId, String subject, Record payload)
            throws SQLException {
        String data;
        try {
            data = json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event " + type + " for run " + runId + ": " + e.getMessage(), e);
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into outbox (event_id, type, run_id, "
                + "subject, data, created_at) values (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.setString(2, type);
            insert.setString(3, runId);
            insert.setString(4, subject);
            insert.setString(5, data);
            insert.setTimestamp(6, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        }
    }

    /** The oldest events not yet sent, in the order they were decided. */
    public List<Entry> unsent(int limit) {
        return transactions.inTransaction(connection -> {
            List<Entry> entries = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("select seq, event_id, type, run_id, subject, "
                    + "data from outbox where sent_at is null order by seq limit ?")) {
                select.setInt(1, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new Entry(rows.getLong(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getString(5), rows.getString(6)));
                    }
                }
            }
            return entries;
        });
    }

    /** Removes events sent before {@code before}; events not sent yet are kept whatever their age. */
    public int forgetSent(Instant before) {
        return transactions.inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from outbox where sent_at < ?")) {
                delete.setTimestamp(1, Timestamp.from(before));
                return delete.executeUpdate();
            }
        });
    }

    public void markSent(Entry entry) {
        transactions.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("update outbox set sent_at = ? where seq = ?")) {
                update.setTimestamp(1, Timestamp.from(clock.instant()));
                update.setLong(2, entry.seq());
                if (update.executeUpdate() != 1) {
                    throw new StoreException("outbox event " + entry.eventId() + " is gone", null);
                }
            }
            return null;
        });
    }
}
