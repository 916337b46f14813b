package dev.quiver.orchestration.registry;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.Transactions;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The pipeline versions registered, kept in the run database with their file's text and its digest: the first
 * definition stored for a version is the version's for good, whichever replica stored it and however often the
 * function starts again. The table's key is what makes replicas agree: of two replicas storing one version at once,
 * the database keeps one definition and both read it back.
 */
final class PipelineDefinitions {

    private static final String COLUMNS = "pipeline, version, digest, file_name, definition, registered_by, "
            + "registered_at";

    /**
     * A registered version as stored.
     *
     * @param registeredBy the file it was read from ({@code file <name>}) or the admin who put it; null for versions
     *                     registered before this was recorded
     */
    record Stored(String pipeline, int version, String digest, String fileName, String definition,
                  String registeredBy, Instant registeredAt) {
    }

    private final Transactions transactions;

    PipelineDefinitions(Transactions transactions) {
        this.transactions = transactions;
    }

    List<Stored> all() {
        return transactions.inTransaction(c -> query(c, "select " + COLUMNS + " from pipeline_definitions "
                + "order by pipeline, version", PipelineDefinitions::stored));
    }

    /** The versions of {@code pipeline} above {@code after}, in order. */
    List<Stored> versionsAfter(String pipeline, int after) {
        return transactions.inTransaction(c -> query(c, "select " + COLUMNS + " from pipeline_definitions "
                + "where pipeline = ? and version > ? order by version", PipelineDefinitions::stored, pipeline, after));
    }

    Optional<Stored> version(String pipeline, int version) {
        return transactions.inTransaction(c -> first(c, "select " + COLUMNS + " from pipeline_definitions "
                + "where pipeline = ? and version = ?", PipelineDefinitions::stored, pipeline, version));
    }

    /**
     * Stores {@code definition} as its version's unless the version has one already.
     *
     * @return the definition now stored for the version: {@code definition}, or the one stored before
     */
    Stored register(Stored definition) {
        return transactions.inTransaction(c -> {
            update(c, "insert into pipeline_definitions (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?) "
                    + "on conflict do nothing", definition.pipeline(), definition.version(), definition.digest(),
                    definition.fileName(), definition.definition(), definition.registeredBy(),
                    definition.registeredAt());
            return first(c, "select " + COLUMNS + " from pipeline_definitions where pipeline = ? and version = ?",
                    PipelineDefinitions::stored, definition.pipeline(), definition.version())
                    .orElseThrow(() -> new StoreException("pipeline " + definition.pipeline() + " version "
                            + definition.version() + " was stored and is gone", null));
        });
    }

    private static Stored stored(ResultSet row) throws SQLException {
        return new Stored(row.getString(1), row.getInt(2), row.getString(3), row.getString(4), row.getString(5),
                row.getString(6), instant(row, 7));
    }
}
