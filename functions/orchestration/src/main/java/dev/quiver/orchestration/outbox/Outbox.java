package dev.quiver.orchestration.outbox;

import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import dev.quiver.events.EventCodec;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.store.Transactions;
import io.cloudevents.core.extensions.DistributedTracingExtension;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Events decided by a transaction, written in that same transaction and sent after it commits: an event is sent if and
 * only if its decision was committed, whatever crashes in between (a crash after sending and before marking sent sends
 * it again, with the same id, so receivers can tell). Relays claim the events they send ({@link #claim}), so that
 * replicas relaying the same outbox send each event once.
 */
public final class Outbox {

    private final Transactions transactions;
    private final EventCodec codec;
    private final Clock clock;

    /** The longest {@code tracestate} kept; a longer one (beyond the W3C's advice to vendors) is not passed on. */
    static final int MAX_TRACE_STATE = 512;

    /**
     * One event to send.
     *
     * @param traceContext the trace context of the transaction that added it ({@code traceparent} and perhaps {@code
     *                     tracestate}), empty when it was not traced
     */
    public record Entry(long seq, String eventId, String type, String runId, String subject, String data,
                        Map<String, String> traceContext) {

        public Entry {
            traceContext = Map.copyOf(traceContext);
        }
    }

    public Outbox(Transactions transactions, EventCodec codec, Clock clock) {
        this.transactions = transactions;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * Adds an event in the caller's transaction. What is stored is checked against the catalog: a type it does not
     * name, a record it does not register for the type, or data that breaks the type's schema is a bug, refused here
     * (and the transaction with it) rather than sent. The current trace context is kept with the event, which carries
     * it when it is sent.
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
        Map<String, String> trace = EventTracing.currentContext();
        String traceState = trace.get(DistributedTracingExtension.TRACESTATE);
        update(connection, "insert into outbox (event_id, type, run_id, subject, data, created_at, trace_parent, "
                + "trace_state) values (?, ?, ?, ?, ?, ?, ?, ?)", UUID.randomUUID().toString(), type, runId, subject,
                data, clock.instant(), trace.get(DistributedTracingExtension.TRACEPARENT),
                traceState == null || traceState.length() > MAX_TRACE_STATE ? null : traceState);
    }

    /**
     * Claims for {@code owner} the oldest events not sent yet and not claimed by a relay whose lease still runs, until
     * {@code until}: while the lease runs, no other relay sends them. Each row is claimed by a conditional update, so
     * of two relays reading the same rows at once each row goes to one.
     */
    public List<Entry> claim(String owner, Instant until, int limit) {
        Instant now = clock.instant();
        return transactions.inTransaction(connection -> {
            List<Entry> candidates = query(connection, "select seq, event_id, type, run_id, subject, data, "
                    + "trace_parent, trace_state from outbox where sent_at is null and (claimed_until is null or "
                    + "claimed_until <= ?) order by seq limit ?", row -> new Entry(row.getLong(1), row.getString(2),
                    row.getString(3), row.getString(4), row.getString(5), row.getString(6),
                    traceContext(row.getString(7), row.getString(8))), now, limit);
            List<Entry> claimed = new ArrayList<>();
            for (Entry entry : candidates) {
                if (update(connection, "update outbox set claimed_by = ?, claimed_until = ? where seq = ? "
                        + "and sent_at is null and (claimed_until is null or claimed_until <= ?)", owner, until,
                        entry.seq(), now) == 1) {
                    claimed.add(entry);
                }
            }
            return claimed;
        });
    }

    /**
     * Marks an event {@code owner} sent as sent, if {@code owner} still holds its claim; false when its lease ended
     * and another relay claimed the event (which then sends it too, with the same id).
     */
    public boolean markSent(String owner, Entry entry) {
        return transactions.inTransaction(connection -> update(connection, "update outbox set sent_at = ?, "
                + "claimed_until = null where seq = ? and claimed_by = ? and sent_at is null", clock.instant(),
                entry.seq(), owner) == 1);
    }

    /** Gives up {@code owner}'s claims on events it did not send, so that the next relay round sends them at once. */
    public void release(String owner, List<Entry> entries) {
        transactions.inTransaction(connection -> {
            for (Entry entry : entries) {
                update(connection, "update outbox set claimed_by = null, claimed_until = null where seq = ? "
                        + "and claimed_by = ? and sent_at is null", entry.seq(), owner);
            }
            return null;
        });
    }

    private static Map<String, String> traceContext(String traceParent, String traceState) {
        if (traceParent == null) {
            return Map.of();
        }
        return traceState == null ? Map.of(DistributedTracingExtension.TRACEPARENT, traceParent)
                : Map.of(DistributedTracingExtension.TRACEPARENT, traceParent, DistributedTracingExtension.TRACESTATE,
                        traceState);
    }

    /** Removes events sent before {@code before}; events not sent yet are kept whatever their age. */
    public int forgetSent(Instant before) {
        return transactions.inTransaction(connection -> update(connection, "delete from outbox where sent_at < ?",
                before));
    }
}
