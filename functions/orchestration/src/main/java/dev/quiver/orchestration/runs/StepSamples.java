package dev.quiver.orchestration.runs;

import dev.quiver.orchestration.store.Statements;
import dev.quiver.orchestration.store.Transactions;
import java.time.Instant;
import java.util.List;

/**
 * The time series recorded from an attempt's heartbeats, read back: what the retry decision weighs (memory against
 * the limit, progress over time, the quality metric per epoch, data checks) and what the read API shows.
 */
public final class StepSamples {

    private final Transactions transactions;

    /** One observed value. */
    public record Sample(Instant at, double value) {
    }

    public StepSamples(Transactions transactions) {
        this.transactions = transactions;
    }

    /**
     * @param name {@code progress_percent}, {@code memory_bytes}, {@code memory_limit_bytes}, {@code metric.<name>}
     *             or {@code data.<check>}
     * @return the samples in the order observed
     */
    public List<Sample> series(String runId, String instance, int attempt, String name) {
        return transactions.inTransaction(c -> Statements.query(c, "select observed_at, sample from step_samples "
                + "where run_id = ? and instance = ? and attempt = ? and name = ? order by observed_at",
                row -> new Sample(Statements.instant(row, 1), row.getDouble(2)), runId, instance, attempt, name));
    }

    /** The names of the series an attempt has. */
    public List<String> names(String runId, String instance, int attempt) {
        return transactions.inTransaction(c -> Statements.query(c, "select distinct name from step_samples "
                + "where run_id = ? and instance = ? and attempt = ? order by name", row -> row.getString(1), runId,
                instance, attempt));
    }
}
