package dev.quiver.orchestration.reads;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.StepSamples;
import dev.quiver.orchestration.store.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
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
        return transactions.inTransaction(c -> query(c, "select id, pipeline, pipeline_version, state, created_at, "
                + "finished_at from runs where (cast(? as varchar) is null or pipeline = ?) "
                + "and (cast(? as varchar) is null or state = ?) order by created_at desc, id limit ?",
                row -> new RunViews.RunSummary(row.getString(1), row.getString(2), row.getInt(3), row.getString(4),
                        instant(row, 5), instant(row, 6)),
                pipeline.orElse(null), pipeline.orElse(null), state.orElse(null), state.orElse(null), limit));
    }

    public Optional<RunViews.Run> run(String runId) {
        return transactions.inTransaction(c -> {
            List<RunViews.Step> steps = steps(c, runId, null);
            return first(c, "select id, pipeline, pipeline_version, state, parameters, requested_by, created_at, "
                    + "finished_at from runs where id = ?", row -> new RunViews.Run(row.getString(1),
                    row.getString(2), row.getInt(3), row.getString(4), map(row.getString(5)), row.getString(6),
                    instant(row, 7), instant(row, 8), steps), runId);
        });
    }

    /** The operators' orders about a run, oldest first; empty for an unknown run as for one without orders. */
    public List<RunViews.Control> controls(String runId) {
        return transactions.inTransaction(c -> query(c, "select seq, action, instance, requested_by, reason, "
                + "requested_at from run_controls where run_id = ? order by seq", row -> new RunViews.Control(
                row.getLong(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5),
                instant(row, 6)), runId));
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
            for (RunViews.Producer found : query(c, "select r.id, r.pipeline, r.pipeline_version, a.instance, "
                    + "a.attempt, a.params from artifacts f join attempts a on a.run_id = f.run_id "
                    + "and a.instance = f.instance and a.attempt = f.attempt join runs r on r.id = f.run_id "
                    + "where f.uri = ? order by r.created_at, a.instance, a.attempt",
                    row -> new RunViews.Producer(row.getString(1), row.getString(2), row.getInt(3), row.getString(4),
                            row.getInt(5), map(row.getString(6)), List.of()), uri)) {
                producers.add(new RunViews.Producer(found.runId(), found.pipeline(), found.pipelineVersion(),
                        found.instance(), found.attempt(), found.params(), inputs(c, found)));
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
            for (RunViews.Use found : query(c, "select distinct r.id, r.pipeline, r.pipeline_version, r.state, "
                    + "r.created_at from runs r left join attempts a on a.run_id = r.id "
                    + "where r.parameters like ? escape '\\' or a.params like ? escape '\\' order by r.created_at",
                    row -> new RunViews.Use(row.getString(1), row.getString(2), row.getInt(3), row.getString(4),
                            List.of()), quoted, quoted)) {
                uses.add(new RunViews.Use(found.runId(), found.pipeline(), found.pipelineVersion(), found.state(),
                        produced(c, found.runId())));
            }
            return uses;
        });
    }

    /** The artifacts the attempt was given: those its upstream instances produced in the same run. */
    private List<RunViews.Input> inputs(Connection c, RunViews.Producer producer) throws SQLException {
        PipelineGraph graph = pipelines.graph(producer.pipeline(), Optional.of(producer.pipelineVersion()));
        List<RunViews.Output> produced = produced(c, producer.runId());
        List<RunViews.Input> inputs = new ArrayList<>();
        for (String upstream : graph.instance(producer.instance()).upstream()) {
            for (RunViews.Output output : produced) {
                if (output.instance().equals(upstream)) {
                    inputs.add(new RunViews.Input(upstream, output.artifact()));
                }
            }
        }
        return inputs;
    }

    /** The artifacts of the latest succeeded attempt of each instance of a run. */
    private List<RunViews.Output> produced(Connection c, String runId) throws SQLException {
        return query(c, "select f.instance, f.attempt, f.name, f.uri, f.digest from artifacts f "
                + "join step_instances s on s.run_id = f.run_id and s.instance = f.instance where f.run_id = ? "
                + "and f.attempt = (select max(a.attempt) from attempts a where a.run_id = f.run_id "
                + "and a.instance = f.instance and a.state = 'SUCCEEDED') order by f.instance, f.name",
                row -> new RunViews.Output(row.getString(1), row.getInt(2), new RunViews.Artifact(row.getString(3),
                        row.getString(4), row.getString(5))), runId);
    }

    private List<RunViews.Step> steps(Connection c, String runId, String instance) throws SQLException {
        return query(c, "select instance, step, state, attempt, reason, outputs, metrics, last_heartbeat_at "
                + "from step_instances where run_id = ? and (cast(? as varchar) is null or instance = ?) "
                + "order by instance", row -> new RunViews.Step(row.getString(1), row.getString(2),
                row.getString(3), row.getInt(4), row.getString(5), map(row.getString(6)), map(row.getString(7)),
                instant(row, 8)), runId, instance, instance);
    }

    private List<RunViews.Attempt> attempts(Connection c, String runId, String instance) throws SQLException {
        List<RunViews.Attempt> attempts = new ArrayList<>();
        for (RunViews.Attempt found : query(c, "select attempt, state, dispatched_at, finished_at, error_class, "
                + "exit_code, killed_for_memory, message, params from attempts where run_id = ? and instance = ? "
                + "order by attempt", row -> new RunViews.Attempt(row.getInt(1), row.getString(2), instant(row, 3),
                instant(row, 4), row.getString(5), row.getObject(6) == null ? null : row.getInt(6),
                row.getObject(7) == null ? null : row.getBoolean(7), row.getString(8), map(row.getString(9)),
                List.of(), null), runId, instance)) {
            attempts.add(new RunViews.Attempt(found.attempt(), found.state(), found.dispatchedAt(),
                    found.finishedAt(), found.errorClass(), found.exitCode(), found.killedForMemory(),
                    found.message(), found.params(), artifacts(c, runId, instance, found.attempt()),
                    decision(c, runId, instance, found.attempt()).orElse(null)));
        }
        return attempts;
    }

    private Optional<RunViews.Decision> decision(Connection c, String runId, String instance, int attempt)
            throws SQLException {
        return first(c, "select action, reasons, evidence, delay_ms, memory_bytes, upstream, decided_at "
                + "from retry_decisions where run_id = ? and instance = ? and attempt = ?", row -> new RunViews.Decision(
                row.getString(1), list(row.getString(2)), map(row.getString(3)), row.getLong(4),
                (Long) row.getObject(5, Long.class), row.getString(6), instant(row, 7)), runId, instance, attempt);
    }

    private List<RunViews.Artifact> artifacts(Connection c, String runId, String instance, int attempt)
            throws SQLException {
        return query(c, "select name, uri, digest from artifacts where run_id = ? and instance = ? and attempt = ? "
                + "order by name", row -> new RunViews.Artifact(row.getString(1), row.getString(2),
                row.getString(3)), runId, instance, attempt);
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
        return text == null ? Map.of() : stored(text, new TypeReference<>() { });
    }

    private List<String> list(String text) {
        return text == null ? List.of() : stored(text, new TypeReference<>() { });
    }

    private <T> T stored(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored JSON column cannot be read: " + e.getMessage(), e);
        }
    }
}
