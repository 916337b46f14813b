package dev.quiver.orchestration.sla;

import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.SlaMissed;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.store.Transactions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Finds SLA misses on each tick: runs longer than their pipeline's {@code sla} and attempts longer than their step's
 * {@code expected-duration}, whether they still run or ended late since {@code lookback} ago. Each miss is recorded
 * once (the table's key), emitted as {@code dev.quiver.pipeline.sla.missed} in the same transaction, and counted in
 * {@code quiver_orchestration_sla_missed_total{kind}}. A miss changes nothing else: the run or step goes on.
 */
public final class SlaWatch {

    private static final Logger LOG = Logger.getLogger(SlaWatch.class);

    private final Transactions transactions;
    private final Pipelines pipelines;
    private final Outbox outbox;
    private final Clock clock;
    private final Duration lookback;
    private final MeterRegistry meters;

    /** @param lookback how long after its end a late run or attempt is still found: more than the tick interval */
    public SlaWatch(Transactions transactions, Pipelines pipelines, Outbox outbox, Clock clock, Duration lookback,
                    MeterRegistry meters) {
        this.transactions = transactions;
        this.pipelines = pipelines;
        this.outbox = outbox;
        this.clock = clock;
        this.lookback = lookback;
        this.meters = meters;
    }

    private record Timed(String runId, String pipeline, int version, String instance, int attempt, String state,
                         Instant from, Instant to) {
    }

    /** @return the misses found now */
    public int check() {
        Instant now = clock.instant();
        Instant since = now.minus(lookback);
        List<String> kinds = transactions.inTransaction(c -> {
            List<String> found = new ArrayList<>();
            for (Timed run : query(c, "select id, pipeline, pipeline_version, state, created_at, finished_at "
                    + "from runs where state = 'RUNNING' or finished_at >= ?", row -> new Timed(row.getString(1),
                    row.getString(2), row.getInt(3), "", 0, row.getString(4), instant(row, 5), instant(row, 6)),
                    since)) {
                Optional<Duration> sla = spec(run).flatMap(PipelineSpec::sla);
                if (sla.isPresent() && miss(c, run, sla.get(), now)) {
                    found.add("run");
                }
            }
            for (Timed attempt : query(c, "select a.run_id, r.pipeline, r.pipeline_version, a.instance, a.attempt, "
                    + "a.state, a.dispatched_at, a.finished_at from attempts a join runs r on r.id = a.run_id "
                    + "where a.finished_at is null or a.finished_at >= ?", row -> new Timed(row.getString(1),
                    row.getString(2), row.getInt(3), row.getString(4), row.getInt(5), row.getString(6),
                    instant(row, 7), instant(row, 8)), since)) {
                Optional<Duration> expected = graph(attempt).flatMap(graph -> graph.instances().stream()
                        .filter(instance -> instance.id().equals(attempt.instance())).findFirst())
                        .flatMap(instance -> instance.step().expectedDuration());
                if (expected.isPresent() && miss(c, attempt, expected.get(), now)) {
                    found.add("step");
                }
            }
            return found;
        });
        kinds.forEach(kind -> Counter.builder("quiver.orchestration.sla.missed")
                .description("Runs past their pipeline's sla and attempts past their step's expected-duration, once "
                        + "each").tag("kind", kind).register(meters).increment());
        return kinds.size();
    }

    private Optional<PipelineGraph> graph(Timed timed) {
        try {
            return Optional.of(pipelines.graph(timed.pipeline(), Optional.of(timed.version())));
        } catch (RunRefusedException e) {
            return Optional.empty();
        }
    }

    private Optional<PipelineSpec> spec(Timed timed) {
        return graph(timed).map(PipelineGraph::spec);
    }

    /** Records and announces the miss when the run or attempt took longer than {@code limit} and this is news. */
    private boolean miss(Connection c, Timed timed, Duration limit, Instant now) throws SQLException {
        Duration elapsed = Duration.between(timed.from(), timed.to() == null ? now : timed.to());
        if (elapsed.compareTo(limit) <= 0) {
            return false;
        }
        double expectedSeconds = limit.toMillis() / 1000.0;
        double elapsedSeconds = elapsed.toMillis() / 1000.0;
        if (update(c, "insert into sla_misses (run_id, instance, attempt, expected_seconds, elapsed_seconds, seen_at) "
                + "values (?, ?, ?, ?, ?, ?) on conflict do nothing", timed.runId(), timed.instance(),
                timed.attempt(), expectedSeconds, elapsedSeconds, now) == 0) {
            return false;
        }
        boolean run = timed.instance().isEmpty();
        outbox.add(c, EventTypes.SLA_MISSED, timed.runId(), run ? null : timed.instance(), new SlaMissed(
                timed.runId(), timed.pipeline(), timed.version(), run ? "run" : "step",
                run ? null : timed.instance(), run ? null : timed.attempt(), expectedSeconds, elapsedSeconds,
                timed.state()));
        LOG.warnf("run %s of %s: %s missed its %s of %.0f s (%.0f s, %s)", timed.runId(), timed.pipeline(),
                run ? "the run" : timed.instance() + " attempt " + timed.attempt(), run ? "sla" : "expected duration",
                expectedSeconds, elapsedSeconds, timed.state());
        return true;
    }
}
