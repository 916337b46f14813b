package dev.quiver.orchestration.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.store.Statements;
import dev.quiver.orchestration.store.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The serving replicas the pool counts (table {@code serving_replicas}): each one's last report and workloads. */
final class ServingReplicas {

    private static final TypeReference<List<String>> IDS = new TypeReference<>() {
    };

    private final ObjectMapper json;

    ServingReplicas(ObjectMapper json) {
        this.json = json;
    }

    /** A replica as last recorded. */
    record Replica(String function, String replica, long sequence, Instant reportedAt, long requests, int replicas,
                   List<String> workloads) {
    }

    Optional<Replica> find(Connection c, String function, String replica) throws SQLException {
        return Statements.first(c, "select function_name, replica, report_sequence, reported_at, requests, replicas, "
                + "workloads from serving_replicas where function_name = ? and replica = ?", this::replica,
                function, replica);
    }

    /** The replicas of {@code function} still holding room whose last report came before {@code before}. */
    List<Replica> silentSince(Connection c, String function, Instant before) throws SQLException {
        return Statements.query(c, "select function_name, replica, report_sequence, reported_at, requests, replicas, "
                + "workloads from serving_replicas where replicas > 0 and reported_at < ? and function_name = ?",
                this::replica, before, function);
    }

    /** Records the replica's state; the caller holds the pool's lock, so no other transaction records it meanwhile. */
    void save(Connection c, Replica replica, boolean exists) throws SQLException {
        String workloads = ids(replica.workloads());
        if (exists) {
            Statements.update(c, "update serving_replicas set report_sequence = ?, reported_at = ?, requests = ?, "
                    + "replicas = ?, workloads = ? where function_name = ? and replica = ?", replica.sequence(),
                    replica.reportedAt(), replica.requests(), replica.replicas(), workloads,
                    replica.function(), replica.replica());
        } else {
            Statements.update(c, "insert into serving_replicas (function_name, replica, report_sequence, "
                    + "reported_at, requests, replicas, workloads) values (?, ?, ?, ?, ?, ?, ?)", replica.function(),
                    replica.replica(), replica.sequence(), replica.reportedAt(), replica.requests(),
                    replica.replicas(), workloads);
        }
    }

    private Replica replica(ResultSet row) throws SQLException {
        try {
            return new Replica(row.getString(1), row.getString(2), row.getLong(3), Statements.instant(row, 4),
                    row.getLong(5), row.getInt(6), json.readValue(row.getString(7), IDS));
        } catch (JsonProcessingException e) {
            throw new StoreException("the workloads of serving replica " + row.getString(2) + " are not a JSON "
                    + "array: " + row.getString(7), e);
        }
    }

    private String ids(List<String> ids) {
        try {
            return json.writeValueAsString(ids);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of texts as JSON", e);
        }
    }
}
