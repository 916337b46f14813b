package dev.quiver.orchestration.reads;

import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;

import dev.quiver.orchestration.store.Transactions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long each step of a pipeline took across its runs: of the last N successful attempts of each step (memoized
 * reuses, which ran nothing, left out), the median, 95th percentile and longest, and each attempt's start and end: the
 * data of a task duration or Gantt view.
 */
public final class StepDurations {

    /** Attempts read at most for one answer, whatever N. */
    private static final int MAX_ROWS = 100_000;

    /** One successful attempt. */
    public record Sample(String runId, String instance, int attempt, Instant startedAt, Instant finishedAt,
                         double seconds) {
    }

    /** A step's figures over its samples, latest first; percentiles by nearest rank. */
    public record Figures(String step, int count, double p50Seconds, double p95Seconds, double maxSeconds,
                          List<Sample> samples) {
    }

    private final Transactions transactions;

    public StepDurations(Transactions transactions) {
        this.transactions = transactions;
    }

    /** @param last attempts per step, the latest */
    public List<Figures> of(String pipeline, int last) {
        record Row(String step, Sample sample) {
        }
        List<Row> rows = transactions.inTransaction(c -> query(c, "select s.step, a.run_id, a.instance, a.attempt, "
                + "a.dispatched_at, a.finished_at from attempts a join step_instances s on s.run_id = a.run_id "
                + "and s.instance = a.instance join runs r on r.id = a.run_id where r.pipeline = ? "
                + "and a.state = 'SUCCEEDED' and a.finished_at > a.dispatched_at "
                + "order by a.finished_at desc limit ?", row -> {
                    Instant started = instant(row, 5);
                    Instant finished = instant(row, 6);
                    return new Row(row.getString(1), new Sample(row.getString(2), row.getString(3), row.getInt(4),
                            started, finished, Duration.between(started, finished).toMillis() / 1000.0));
                }, pipeline, MAX_ROWS));
        Map<String, List<Sample>> byStep = new LinkedHashMap<>();
        for (Row row : rows) {
            List<Sample> samples = byStep.computeIfAbsent(row.step(), ignored -> new ArrayList<>());
            if (samples.size() < last) {
                samples.add(row.sample());
            }
        }
        List<Figures> figures = new ArrayList<>();
        byStep.forEach((step, samples) -> {
            List<Double> sorted = samples.stream().map(Sample::seconds).sorted().toList();
            figures.add(new Figures(step, samples.size(), rank(sorted, 0.5), rank(sorted, 0.95), sorted.getLast(),
                    samples));
        });
        figures.sort(Comparator.comparing(Figures::step));
        return figures;
    }

    private static double rank(List<Double> sorted, double quantile) {
        return sorted.get(Math.max(0, (int) Math.ceil(quantile * sorted.size()) - 1));
    }
}
