package dev.quiver.orchestration.pipeline;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * When a pipeline runs by itself: at each time its cron expression names, in its time zone, a run is started for the
 * interval that ends then (from the previous such time), with the interval's bounds as parameters.
 *
 * @param cron          five fields, as crontab writes them ({@code 0 2 * * *}: at 02:00 every day)
 * @param catchUp       what a tick does about intervals it missed (the function was down, or runs were at their
 *                      limit)
 * @param maxActiveRuns scheduled and backfilled runs of the pipeline running at once, at most
 */
public record ScheduleSpec(String cron, ZoneId timeZone, CatchUp catchUp, int maxActiveRuns) {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    /** Missed intervals: each run in order ({@code all}), or only the latest ({@code latest}, the default). */
    public enum CatchUp {
        ALL,
        LATEST
    }

    /** @throws IllegalArgumentException with the parser's reason when {@code cron} is no five-field expression */
    public static void check(String cron) {
        PARSER.parse(cron).validate();
    }

    /** The first time the schedule names after {@code time}. */
    public Optional<ZonedDateTime> next(ZonedDateTime time) {
        return executionTime().nextExecution(time.withZoneSameInstant(timeZone));
    }

    /** The last time the schedule names before {@code time}. */
    public Optional<ZonedDateTime> previous(ZonedDateTime time) {
        return executionTime().lastExecution(time.withZoneSameInstant(timeZone));
    }

    private ExecutionTime executionTime() {
        return ExecutionTime.forCron(PARSER.parse(cron));
    }
}
