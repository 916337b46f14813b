package dev.quiver.orchestration.retry;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;

import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.orchestration.builtin.FileArtifacts;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.digest.Sha256;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gathers what a retry decision weighs from the store (the failed attempt's time series, the instance's earlier
 * attempts, its inputs and the budgets) and from the inputs themselves: an input on this machine is checked to be there
 * and, when small enough to read at once, to still have its recorded digest.
 */
public final class FailureEvidenceReader {

    /** Inputs up to this size have their digest checked; larger ones only that they are there. */
    private static final long DIGEST_CHECK_LIMIT = 16L << 20;

    private final RetryDecisions decisions;
    private final RetryPolicies.Budget budget;

    public FailureEvidenceReader(RetryDecisions decisions, RetryPolicies.Budget budget) {
        this.decisions = decisions;
        this.budget = budget;
    }

    /** The failed attempt of a locked run, and where it stands. */
    public record Subject(String runId, String pipeline, String tenant, PipelineGraph graph,
                          PipelineGraph.Instance instance, long memoryLimitBytes, StepFailed failure,
                          Map<String, List<Artifact>> upstreamArtifacts) {
    }

    /** An artifact of an upstream instance's latest successful attempt. */
    public record Artifact(String name, String uri, String digest) {
    }

    public FailureEvidence read(Connection c, Subject subject, Instant now) throws SQLException {
        StepFailed failure = subject.failure();
        String run = subject.runId();
        String instance = failure.instance();
        int attempt = failure.attempt();
        Instant started = first(c, "select dispatched_at from attempts where run_id = ? and instance = ? "
                + "and attempt = ?", row -> instant(row, 1), run, instance, attempt).orElse(now);
        Instant firstStarted = first(c, "select min(dispatched_at) from attempts where run_id = ? and instance = ?",
                row -> row.getObject(1) == null ? started : instant(row, 1), run, instance).orElse(started);
        Map<String, List<FailureEvidence.Sample>> series = series(c, run, instance, attempt);
        Map<String, List<FailureEvidence.Sample>> metrics = new LinkedHashMap<>();
        Map<String, Boolean> dataChecks = new LinkedHashMap<>();
        series.forEach((name, samples) -> {
            if (name.startsWith("metric.")) {
                metrics.put(name.substring("metric.".length()), samples);
            } else if (name.startsWith("data.")) {
                dataChecks.put(name.substring("data.".length()), samples.getLast().value() > 0);
            }
        });
        Instant since = now.minus(budget.window());
        // attempts that gave their room to higher-priority work, stopped with the function or were stopped by an
        // operator were no failures of the step: they use up no retry
        int notFailures = first(c, "select count(*) from attempts where run_id = ? and instance = ? and attempt < ? "
                + "and state in ('PREEMPTED', 'INTERRUPTED', 'CANCELLED')", row -> row.getInt(1), run, instance,
                attempt).orElse(0);
        return new FailureEvidence(
                new FailureEvidence.Failure(attempt - notFailures, failure.errorClass(), failure.exitCode(),
                        failure.killedForMemory(), failure.message()),
                earlierAttempts(c, run, instance, attempt, subject.instance().step().resources().memoryBytes()),
                series.getOrDefault("memory_bytes", List.of()),
                subject.memoryLimitBytes(),
                series.getOrDefault("progress_percent", List.of()),
                metrics,
                dataChecks,
                inputs(subject),
                started,
                now,
                Duration.between(firstStarted, now),
                subject.instance().step().deadline(),
                qualityBar(subject),
                failure.artifacts() != null && !failure.artifacts().isEmpty(),
                decisions.upstreamReruns(c, run),
                new FailureEvidence.BudgetLeft(subject.pipeline(),
                        budget.perPipeline() - decisions.spentByPipeline(c, subject.pipeline(), since),
                        subject.tenant(), budget.perTenant() - decisions.spentByTenant(c, subject.tenant(), since)));
    }

    private static Map<String, List<FailureEvidence.Sample>> series(Connection c, String run, String instance,
                                                                    int attempt) throws SQLException {
        Map<String, List<FailureEvidence.Sample>> series = new LinkedHashMap<>();
        for (Object[] row : query(c, "select name, observed_at, sample from step_samples where run_id = ? "
                + "and instance = ? and attempt = ? order by observed_at", r -> new Object[] {r.getString(1),
                instant(r, 2), r.getDouble(3)}, run, instance, attempt)) {
            series.computeIfAbsent((String) row[0], ignored -> new ArrayList<>())
                    .add(new FailureEvidence.Sample((Instant) row[1], (Double) row[2]));
        }
        return series;
    }

    /**
     * The instance's earlier failed attempts. An attempt's memory limit is the one its executor reported, else the one
     * the latest retry for memory before it gave, else the step's own.
     */
    private static List<FailureEvidence.PastAttempt> earlierAttempts(Connection c, String run, String instance,
                                                                     int attempt, long declaredMemory)
            throws SQLException {
        return query(c, "select a.attempt, a.error_class, a.exit_code, a.killed_for_memory, "
                + "(select max(sample) from step_samples s where s.run_id = a.run_id and s.instance = a.instance "
                + "and s.attempt = a.attempt and s.name = 'progress_percent'), "
                + "(select max(sample) from step_samples s where s.run_id = a.run_id and s.instance = a.instance "
                + "and s.attempt = a.attempt and s.name = 'memory_limit_bytes'), "
                + "(select d.memory_bytes from retry_decisions d where d.run_id = a.run_id and d.instance = a.instance "
                + "and d.attempt = (select max(e.attempt) from retry_decisions e where e.run_id = a.run_id "
                + "and e.instance = a.instance and e.attempt < a.attempt and e.memory_bytes is not null)) "
                + "from attempts a where a.run_id = ? and a.instance = ? and a.attempt < ? and a.state = 'FAILED' "
                + "order by a.attempt", row -> new FailureEvidence.PastAttempt(row.getInt(1), row.getString(2),
                (Integer) row.getObject(3, Integer.class), row.getBoolean(4),
                (Double) row.getObject(5, Double.class), row.getObject(6) != null ? (long) row.getDouble(6)
                : row.getObject(7) != null ? row.getLong(7) : declaredMemory), run, instance, attempt);
    }

    private static List<FailureEvidence.Input> inputs(Subject subject) {
        List<FailureEvidence.Input> inputs = new ArrayList<>();
        for (String upstream : subject.instance().upstream()) {
            for (Artifact artifact : subject.upstreamArtifacts().getOrDefault(upstream, List.of())) {
                inputs.add(new FailureEvidence.Input(upstream, artifact.name(), artifact.uri(), available(artifact)));
            }
        }
        return inputs;
    }

    /** Whether the file is there and, if small, still has its digest; unchecked off this machine. */
    private static FailureEvidence.Availability available(Artifact artifact) {
        Optional<Path> local = FileArtifacts.path(artifact.uri());
        if (local.isEmpty()) {
            return FailureEvidence.Availability.UNCHECKED;
        }
        Path file = local.get();
        if (!Files.isRegularFile(file)) {
            return FailureEvidence.Availability.GONE;
        }
        try {
            if (artifact.digest() == null || !artifact.digest().startsWith(Sha256.PREFIX)
                    || Files.size(file) > DIGEST_CHECK_LIMIT) {
                return FailureEvidence.Availability.PRESENT;
            }
            return artifact.digest().equals(Sha256.of(file)) ? FailureEvidence.Availability.PRESENT
                    : FailureEvidence.Availability.CORRUPT;
        } catch (IOException e) {
            return FailureEvidence.Availability.GONE;
        }
    }

    /** The threshold of a {@code select-models} step downstream that judges this step's models. */
    private static Optional<FailureEvidence.QualityBar> qualityBar(Subject subject) {
        for (PipelineGraph.Instance candidate : subject.graph().instances()) {
            if (candidate.step().executor() == ExecutorKind.SELECT_MODELS
                    && candidate.upstream().contains(subject.instance().id())
                    && candidate.params().get("metric") instanceof String metric
                    && candidate.params().get("threshold") instanceof Number threshold) {
                return Optional.of(new FailureEvidence.QualityBar(metric, threshold.doubleValue(),
                        Boolean.TRUE.equals(candidate.params().get("lower-is-better")),
                        "step " + candidate.id()));
            }
        }
        return Optional.empty();
    }
}
