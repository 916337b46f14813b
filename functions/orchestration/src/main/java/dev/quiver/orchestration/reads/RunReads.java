package dev.quiver.orchestration.reads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.StepSamples;
import dev.quiver.orchestration.runs.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Queries of the run store for the read API: runs, steps with attempts and timings, time series, lineage. */
public final class RunReads {

    private final Transactions transactions;
    private final Pipelines pipelines;
    private final StepSamples samples;
    private final ObjectMapper json;

    public RunReads(Transactions transactions, Pipelines pipelines, StepSamples samples, ObjectMapper json) {
        this.transactions = transactions;
        this.pipelines = pipelines;
        this.samples = samples;
        this.json = json;
    }

    /** The latest runs first, optionally of one pipeline and in one state. */
    public List<RunViews.RunSummary> runs(Optional<String> pipeline, Optional<String> state, int limit) {
        return transactions.inTransaction(c -> {
            List<RunViews.RunSummary> runs = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("select id, pipeline, pipeline_version, state, "
                    + "created_at, finished_at from runs where (cast(? as varchar) is null or pipeline = ?) "
                    + "and (cast(? as varchar) is null or state = ?) "
                    + "order by created_at desc, id limit ?")) {
                select.setString(1, pipeline.orElse(null));
                select.setString(2, pipeline.orElse(null));
                select.setString(3, state.orElse(null));
                select.setString(4, state.orElse(null));
                select.setInt(5, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        runs.add(new RunViews.RunSummary(rows.getString(1), rows.getString(2), rows.getInt(3),
                                rows.getString(4), instant(rows.getTimestamp(5)), instant(rows.getTimestamp(6))));
                    }
                }
            }
            return runs;
        });
    }

    public Optional<RunViews.Run> run(String runId) {
        return transactions.inTransaction(c -> {
            try (PreparedStatement select = c.prepareStatement("select id, pipeline, pipeline_version, state, "
                    + "parameters, requested_by, created_at, finished_at from runs where id = ?")) {
                select.setString(1, runId);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new RunViews.Run(rows.getString(1), rows.getString(2), rows.getInt(3),
                            rows.getString(4), map(rows.getString(5)), rows.getString(6),
                            instant(rows.getTimestamp(7)), instant(rows.getTimestamp(8)), steps(c, runId, null)));
                }
            }
        });
    }

    public Optional<RunViews.StepDetail> step(String runId, String instance) {
        return transactions.inTransaction(c -> {
            List<RunViews.Step> found = steps(c, runId, instance);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            RunViews.Step step = found.getFirst();
            return Optional.of(new RunViews.StepDetail(step, attempts(c, runId, instance),
                    step.attempt() == 0 ? List.of() : samples.names(runId, instance, step.attempt())));
        });
    }

    public List<RunViews.Sample> series(String runId, String instance, int attempt, String name) {
        return samples.series(runId, instance, attempt, name).stream()
                .map(sample -> new RunViews.Sample(sample.at(), sample.value())).toList();
    }

    /** Which attempts produced an artifact, with the parameters they ran with and the artifacts they were given. */
    public List<RunViews.Producer> producers(String uri) {
        return transactions.inTransaction(c -> {
            List<RunViews.Producer> producers = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("select r.id, r.pipeline, r.pipeline_version, "
                    + "a.instance, a.attempt, a.params from artifacts f join attempts a on a.run_id = f.run_id "
                    + "and a.instance = f.instance and a.attempt = f.attempt join runs r on r.id = f.run_id "
                    + "where f.uri = ? order by r.created_at, a.instance, a.attempt")) {
                select.setString(1, uri);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String runId = rows.getString(1);
                        String pipeline = rows.getString(2);
                        int version = rows.getInt(3);
                        String instance = rows.getString(4);
                        producers.add(new RunViews.Producer(runId, pipeline, version, instance, rows.getInt(5),
                                map(rows.getString(6)), inputs(c, runId, pipeline, version, instance)));
                    }
                }
            }
            return producers;
        });
    }

    /** The runs that used a dataset (named in their parameters or an attempt's), and what each produced. */
    public List<RunViews.Use> uses(String uri) {
        String quoted = "%" + quotedJson(uri).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%";
        return transactions.inTransaction(c -> {
            List<RunViews.Use> uses = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("select distinct r.id, r.pipeline, r.pipeline_version, "
                    + "r.state, r.created_at from runs r left join attempts a on a.run_id = r.id "
                    + "where r.parameters like ? escape '\\' or a.params like ? escape '\\' order by r.created_at")) {
                select.setString(1, quoted);
                select.setString(2, quoted);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String runId = rows.getString(1);
                        uses.add(new RunViews.Use(runId, rows.getString(2), rows.getInt(3), rows.getString(4),
                                produced(c, runId)));
                    }
                }
            }
            return uses;
        });
    }

    private List<RunViews.Input> inputs(Connection c, String runId, String pipeline, int version, String instance)
            throws SQLException {
        PipelineGraph graph = pipelines.graph(pipeline, Optional.of(version));
        List<RunViews.Input> inputs = new ArrayList<>();
        for (String upstream : graph.instance(instance).upstream()) {
            for (RunViews.Output output : produced(c, runId)) {
                if (output.instance().equals(upstream)) {
                    inputs.add(new RunViews.Input(upstream, output.artifact()));
                }
            }
        }
        return inputs;
    }

    /** The artifacts of the latest succeeded attempt of each instance of a run. */
    private List<RunViews.Output> produced(Connection c, String runId) throws SQLException {
        List<RunViews.Output> produced = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select f.instance, f.attempt, f.name, f.uri, f.digest "
                + "from artifacts f join step_instances s on s.run_id = f.run_id and s.instance = f.instance "
                + "where f.run_id = ? and f.attempt = (select max(a.attempt) from attempts a where a.run_id = f.run_id "
                + "and a.instance = f.instance and a.state = 'SUCCEEDED') order by f.instance, f.name")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    produced.add(new RunViews.Output(rows.getString(1), rows.getInt(2),
                            new RunViews.Artifact(rows.getString(3), rows.getString(4), rows.getString(5))));
                }
            }
        }
        return produced;
    }

    private List<RunViews.Step> steps(Connection c, String runId, String instance) throws SQLException {
        List<RunViews.Step> steps = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select instance, step, state, attempt, reason, outputs, "
                + "metrics, last_heartbeat_at from step_instances where run_id = ? "
                + "and (cast(? as varchar) is null or instance = ?) order by instance")) {
            select.setString(1, runId);
            select.setString(2, instance);
            select.setString(3, instance);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    steps.add(new RunViews.Step(rows.getString(1), rows.getString(2), rows.getString(3),
                            rows.getInt(4), rows.getString(5), map(rows.getString(6)), map(rows.getString(7)),
                            instant(rows.getTimestamp(8))));
                }
            }
        }
        return steps;
    }

    private List<RunViews.Attempt> attempts(Connection c, String runId, String instance) throws SQLException {
        List<RunViews.Attempt> attempts = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select attempt, state, dispatched_at, finished_at, "
                + "error_class, exit_code, killed_for_memory, message, params from attempts "
                + "where run_id = ? and instance = ? order by attempt")) {
            select.setString(1, runId);
            select.setString(2, instance);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    int attempt = rows.getInt(1);
                    Integer exitCode = rows.getObject(6) == null ? null : rows.getInt(6);
                    Boolean killed = rows.getObject(7) == null ? null : rows.getBoolean(7);
                    attempts.add(new RunViews.Attempt(attempt, rows.getString(2), instant(rows.getTimestamp(3)),
                            instant(rows.getTimestamp(4)), rows.getString(5), exitCode, killed, rows.getString(8),
                            map(rows.getString(9)), artifacts(c, runId, instance, attempt)));
                }
            }
        }
        return attempts;
    }

    private List<RunViews.Artifact> artifacts(Connection c, String runId, String instance, int attempt)
            throws SQLException {
        List<RunViews.Artifact> artifacts = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select name, uri, digest from artifacts "
                + "where run_id = ? and instance = ? and attempt = ? order by name")) {
            select.setString(1, runId);
            select.setString(2, instance);
            select.setInt(3, attempt);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    artifacts.add(new RunViews.Artifact(rows.getString(1), rows.getString(2), rows.getString(3)));
                }
            }
        }
        return artifacts;
    }

    /** The value as it appears in stored JSON: matching it quoted finds it as a whole value, not inside another. */
    private String quotedJson(String value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("uri: " + e.getMessage(), e);
        }
    }

    private Map<String, Object> map(String text) {
        if (text == null) {
            return Map.of();
        }
        try {
            return json.readValue(text, new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored JSON column cannot be read: " + e.getMessage(), e);
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
