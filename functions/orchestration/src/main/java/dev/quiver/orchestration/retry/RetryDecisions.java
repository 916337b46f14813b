package dev.quiver.orchestration.retry;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.update;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/** The record of retry decisions: one per failed attempt, and what they spent of the budgets. */
public final class RetryDecisions {

    private final ObjectMapper json;

    public RetryDecisions(ObjectMapper json) {
        this.json = json;
    }

    public void record(Connection c, String runId, String instance, int attempt, String pipeline, String tenant,
                       RetryDecision decision, Instant now) throws SQLException {
        update(c, "insert into retry_decisions (run_id, instance, attempt, action, reasons, evidence, delay_ms, "
                + "memory_bytes, upstream, pipeline, tenant, decided_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                runId, instance, attempt, decision.action().name(), write(decision.reasons()),
                write(decision.evidence()), decision.delay().toMillis(), decision.memoryBytes(), decision.upstream(),
                pipeline, tenant, now);
    }

    /** How many RERUN_UPSTREAM decisions the run has had. */
    int upstreamReruns(Connection c, String runId) throws SQLException {
        return count(c, "select count(*) from retry_decisions where run_id = ? and action = 'RERUN_UPSTREAM'", runId);
    }

    /** Decisions that spent the pipeline's budget since {@code since}. */
    int spentByPipeline(Connection c, String pipeline, Instant since) throws SQLException {
        return count(c, "select count(*) from retry_decisions where pipeline = ? and decided_at >= ? "
                + "and action in ('RETRY', 'RETRY_WITH_RESOURCES', 'RERUN_UPSTREAM')", pipeline, since);
    }

    /** Decisions that spent the tenant's budget since {@code since}. */
    int spentByTenant(Connection c, String tenant, Instant since) throws SQLException {
        return count(c, "select count(*) from retry_decisions where tenant = ? and decided_at >= ? "
                + "and action in ('RETRY', 'RETRY_WITH_RESOURCES', 'RERUN_UPSTREAM')", tenant, since);
    }

    private static int count(Connection c, String sql, Object... params) throws SQLException {
        return first(c, sql, row -> row.getInt(1), params).orElse(0);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a retry decision could not be stored: " + e.getMessage(), e);
        }
    }
}
