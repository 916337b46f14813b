package dev.quiver.orchestration.deadletter;

import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import dev.quiver.orchestration.store.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/**
 * The dead letters in the run store: recorded once per (source, id), read back latest first, removed after their
 * retention.
 */
@ApplicationScoped
public class DeadLetterStore {

    private final Transactions transactions;

    public DeadLetterStore(Transactions transactions) {
        this.transactions = transactions;
    }

    /** @return whether the letter is new; a redelivered one (same source and id) changes nothing */
    public boolean record(DeadLetter letter) {
        return transactions.inTransaction(c -> update(c, "insert into dead_letters (source, id, type, subject, "
                + "data_content_type, error_code, error_destination, error_data, data, data_base64, data_bytes, "
                + "data_truncated, received_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
                letter.source(), letter.id(), letter.type(), letter.subject(), letter.dataContentType(),
                letter.errorCode(), letter.errorDestination(), letter.errorData(), letter.data(), letter.dataBase64(),
                letter.dataBytes(), letter.dataTruncated(), letter.receivedAt()) == 1);
    }

    /** Removes the letters received before {@code before} and says how many. */
    public int forgetReceivedBefore(Instant before) {
        return transactions.inTransaction(c -> update(c, "delete from dead_letters where received_at < ?", before));
    }

    public List<DeadLetter> latest(int limit) {
        return transactions.inTransaction(c -> query(c, "select source, id, type, subject, data_content_type, "
                + "error_code, error_destination, error_data, data, data_base64, data_bytes, data_truncated, "
                + "received_at from dead_letters order by received_at desc, source, id limit ?",
                row -> new DeadLetter(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                        row.getString(5), row.getString(6), row.getString(7), row.getString(8), row.getString(9),
                        row.getString(10), row.getLong(11), row.getBoolean(12), instant(row, 13)), limit));
    }
}
