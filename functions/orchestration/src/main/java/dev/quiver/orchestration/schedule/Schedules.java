package dev.quiver.orchestration.schedule;

import static dev.quiver.orchestration.store.Statements.first;
import static dev.quiver.orchestration.store.Statements.instant;
import static dev.quiver.orchestration.store.Statements.query;
import static dev.quiver.orchestration.store.Statements.update;

import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.pipeline.ScheduleSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.store.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Starts the runs of scheduled pipelines. Each tick plans, for each pipeline whose latest version has a
 * {@code schedule:}, the intervals that ended since the last plan (all of them, or only the latest, by its catch-up
 * policy) as rows keyed by pipeline and interval, then starts pending intervals, oldest first, while fewer than its
 * {@code max-active-runs} runs of the pipeline run. A backfill adds the intervals of a range the same way. The
 * planning row of a pipeline is locked while it is planned and its runs started, and a run's id follows from its
 * interval, so two replicas ticking at once start each interval's run once.
 */
public final class Schedules {

    private static final Logger LOG = Logger.getLogger(Schedules.class);
    /** The most intervals one backfill may ask for, and one tick plan. */
    static final int MAX_INTERVALS = 1000;

    /** An interval of a pipeline's schedule. */
    public record Interval(Instant start, Instant end) {
    }

    private final Transactions transactions;
    private final Pipelines pipelines;
    private final RunCoordinator coordinator;
    private final Clock clock;

    public Schedules(Transactions transactions, Pipelines pipelines, RunCoordinator coordinator, Clock clock) {
        this.transactions = transactions;
        this.pipelines = pipelines;
        this.coordinator = coordinator;
        this.clock = clock;
    }

    /** Plans due intervals and starts what may start, for every scheduled pipeline; returns the runs started. */
    public int tick() {
        int started = 0;
        for (PipelineSpec spec : latestScheduled()) {
            ScheduleSpec schedule = spec.schedule().orElseThrow();
            Instant now = clock.instant();
            started += transactions.inTransaction(c -> {
                plan(c, spec.name(), schedule, now);
                return startPending(c, spec.name(), schedule);
            });
        }
        return started;
    }

    /**
     * Asks for a run of every interval of the pipeline's schedule that lies within {@code from} and {@code to}; they
     * start as its {@code max-active-runs} allows. Asking again for a range asks for nothing twice.
     *
     * @return the intervals of the range
     * @throws BackfillRefusedException for a pipeline without a schedule, an empty range, or one of too many intervals
     */
    public List<Interval> backfill(String pipeline, Instant from, Instant to, String requestedBy) {
        PipelineSpec spec;
        try {
            spec = pipelines.graph(pipeline, Optional.empty()).spec();
        } catch (RunRefusedException e) {
            throw new BackfillRefusedException(404, e.getMessage());
        }
        ScheduleSpec schedule = spec.schedule().orElseThrow(() -> new BackfillRefusedException(400, "pipeline \""
                + pipeline + "\" version " + spec.version() + " has no schedule: a backfill runs its intervals"));
        if (!from.isBefore(to)) {
            throw new BackfillRefusedException(400, "to: " + to + " is not after from " + from);
        }
        List<Interval> intervals = new ArrayList<>();
        ZonedDateTime start = ZonedDateTime.ofInstant(from, schedule.timeZone()).minusNanos(1);
        Optional<ZonedDateTime> s = schedule.next(start);
        while (s.isPresent()) {
            Optional<ZonedDateTime> e = schedule.next(s.get());
            if (e.isEmpty() || e.get().toInstant().isAfter(to)) {
                break;
            }
            if (intervals.size() == MAX_INTERVALS) {
                throw new BackfillRefusedException(400, "from, to: the range holds more than " + MAX_INTERVALS
                        + " intervals of \"" + schedule.cron() + "\"; backfill it in parts");
            }
            intervals.add(new Interval(s.get().toInstant(), e.get().toInstant()));
            s = e;
        }
        if (intervals.isEmpty()) {
            throw new BackfillRefusedException(400, "from, to: no whole interval of \"" + schedule.cron() + "\" ("
                    + schedule.timeZone() + ") lies between " + from + " and " + to);
        }
        Instant now = clock.instant();
        transactions.inTransaction(c -> {
            cursor(c, pipeline, schedule, now);
            for (Interval interval : intervals) {
                add(c, pipeline, "backfill", interval, requestedBy, now);
            }
            return startPending(c, pipeline, schedule);
        });
        LOG.infof("pipeline %s: backfill of %d intervals from %s to %s asked by %s", pipeline, intervals.size(), from,
                to, requestedBy);
        return intervals;
    }

    private List<PipelineSpec> latestScheduled() {
        Map<String, PipelineSpec> latest = pipelines.all().stream().collect(Collectors.toMap(PipelineSpec::name,
                Function.identity(), (a, b) -> a.version() >= b.version() ? a : b));
        return latest.values().stream().filter(spec -> spec.schedule().isPresent())
                .sorted(Comparator.comparing(PipelineSpec::name)).toList();
    }

    /** Locks the pipeline's planning row, created at the schedule's last time before now when there is none. */
    private Instant cursor(Connection c, String pipeline, ScheduleSpec schedule, Instant now) throws SQLException {
        ZonedDateTime at = ZonedDateTime.ofInstant(now, schedule.timeZone());
        Instant initial = schedule.previous(at).map(ZonedDateTime::toInstant).orElse(now);
        update(c, "insert into pipeline_schedules (pipeline, scheduled_until) values (?, ?) on conflict do nothing",
                pipeline, initial);
        return first(c, "select scheduled_until from pipeline_schedules where pipeline = ? for update",
                row -> instant(row, 1), pipeline).orElseThrow();
    }

    private void plan(Connection c, String pipeline, ScheduleSpec schedule, Instant now) throws SQLException {
        Instant until = cursor(c, pipeline, schedule, now);
        List<Interval> due = new ArrayList<>();
        Optional<ZonedDateTime> end = schedule.next(ZonedDateTime.ofInstant(until, schedule.timeZone()));
        while (end.isPresent() && !end.get().toInstant().isAfter(now)) {
            Instant start = schedule.previous(end.get()).map(ZonedDateTime::toInstant).orElse(until);
            due.add(new Interval(start, end.get().toInstant()));
            if (due.size() > MAX_INTERVALS) {
                due.removeFirst();
            }
            end = schedule.next(end.get());
        }
        if (due.isEmpty()) {
            return;
        }
        if (schedule.catchUp() == ScheduleSpec.CatchUp.LATEST) {
            due = List.of(due.getLast());
            // an interval still waiting for room is superseded by a later one
            update(c, "update scheduled_runs set state = 'SUPERSEDED' where pipeline = ? and origin = 'schedule' "
                    + "and state = 'PENDING'", pipeline);
        }
        for (Interval interval : due) {
            add(c, pipeline, "schedule", interval, "schedule " + schedule.cron() + " " + schedule.timeZone(), now);
        }
        update(c, "update pipeline_schedules set scheduled_until = ? where pipeline = ?", due.getLast().end(),
                pipeline);
    }

    private static void add(Connection c, String pipeline, String origin, Interval interval, String requestedBy,
                            Instant now) throws SQLException {
        update(c, "insert into scheduled_runs (pipeline, origin, interval_start, interval_end, state, requested_by, "
                + "requested_at) values (?, ?, ?, ?, 'PENDING', ?, ?) on conflict do nothing", pipeline, origin,
                interval.start(), interval.end(), requestedBy, now);
    }

    private record Pending(String origin, Instant start, Instant end) {
    }

    /** Starts pending intervals, oldest first, while fewer than {@code max-active-runs} runs of the pipeline run. */
    private int startPending(Connection c, String pipeline, ScheduleSpec schedule) throws SQLException {
        int active = first(c, "select count(*) from runs where pipeline = ? and state = 'RUNNING'",
                row -> row.getInt(1), pipeline).orElse(0);
        int room = schedule.maxActiveRuns() - active;
        if (room <= 0) {
            return 0;
        }
        List<Pending> pending = query(c, "select origin, interval_start, interval_end from scheduled_runs "
                + "where pipeline = ? and state = 'PENDING' order by interval_start, origin limit ?",
                row -> new Pending(row.getString(1), instant(row, 2), instant(row, 3)), pipeline, room);
        for (Pending interval : pending) {
            Map<String, Object> parameters = Map.of(
                    "interval-start", ZonedDateTime.ofInstant(interval.start(), schedule.timeZone())
                            .toOffsetDateTime().toString(),
                    "interval-end", ZonedDateTime.ofInstant(interval.end(), schedule.timeZone())
                            .toOffsetDateTime().toString());
            String state;
            String runId = null;
            try {
                runId = coordinator.requested("/quiver/schedules/" + pipeline, interval.origin() + "/"
                        + interval.start(), new RunRequested(pipeline, null, parameters));
                state = "STARTED";
                LOG.infof("pipeline %s: run %s started for the %s interval %s to %s", pipeline, runId,
                        interval.origin(), interval.start(), interval.end());
            } catch (RunRefusedException e) {
                state = "REFUSED";
                LOG.errorf("pipeline %s: the %s interval %s to %s cannot run: %s", pipeline, interval.origin(),
                        interval.start(), interval.end(), e.getMessage());
            }
            update(c, "update scheduled_runs set state = ?, run_id = ? where pipeline = ? and origin = ? "
                    + "and interval_start = ?", state, runId, pipeline, interval.origin(), interval.start());
        }
        return pending.size();
    }
}
