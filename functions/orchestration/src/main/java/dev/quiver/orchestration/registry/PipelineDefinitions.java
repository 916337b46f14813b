package dev.quiver.orchestration.registry;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.Transactions;
import java.time.Instant;
import java.util.List;

/**
 * The pipeline versions registered, kept in the run database with their file's text and its digest: the first
 * definition stored for a version is the version's for good, whichever replica stored it and however often the
 * function starts again.
 */
final class PipelineDefinitions {

    /** A registered version as stored. */
    record Stored(String pipeline, int version, String digest, String fileName, String definition) {
    }

    private final Transactions transactions;

    PipelineDefinitions(Transactions transactions) {
        this.transactions = transactions;
    }

    List<Stored> all() {
        return transactions.inTransaction(c -> query(c, "select pipeline, version, digest, file_name, definition "
                + "from pipeline_definitions order by pipeline, version", row -> new Stored(row.getString(1),
                row.getInt(2), row.getString(3), row.getString(4), row.getString(5))));
    }

    /**
     * Stores {@code definition} as its version's unless the version has one already.
     *
     * @return the definition now stored for the version: {@code definition}, or the one stored before
     */
    Stored register(Stored definition, Instant now) {
        return transactions.inTransaction(c -> {
            update(c, "insert into pipeline_definitions (pipeline, version, digest, file_name, definition, "
                    + "registered_at) values (?, ?, ?, ?, ?, ?) on conflict do nothing", definition.pipeline(),
                    definition.version(), definition.digest(), definition.fileName(), definition.definition(), now);
            return first(c, "select pipeline, version, digest, file_name, definition from pipeline_definitions "
                    + "where pipeline = ? and version = ?", row -> new Stored(row.getString(1), row.getInt(2),
                    row.getString(3), row.getString(4), row.getString(5)), definition.pipeline(),
                    definition.version()).orElseThrow(() -> new StoreException("pipeline " + definition.pipeline()
                    + " version " + definition.version() + " was stored and is gone", null));
        });
    }
}
