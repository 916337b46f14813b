package dev.quiver.inference.startup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When the process and its JVM started. {@link ProcessHandle.Info#startInstant()} is not precise enough on Linux: it
 * adds the process's age in clock ticks to the boot time of {@code /proc/stat}, which is in whole seconds, so it can
 * be up to a second early. The process's age is read against {@code /proc/uptime} instead, which has hundredths.
 */
final class ProcessStart {

    /** USER_HZ, the unit of {@code /proc/<pid>/stat} start times: 100 on every mainstream Linux architecture. */
    private static final long TICKS_PER_SECOND = 100;
    /** Fields of {@code /proc/<pid>/stat} after the command name: state is field 3, starttime field 22. */
    private static final int START_TIME_FIELD = 22 - 3;

    private ProcessStart() {
    }

    static Instant process(Clock clock) {
        return fromProcFileSystem(clock)
                .or(() -> ProcessHandle.current().info().startInstant())
                .orElseGet(ProcessStart::jvm);
    }

    static Instant jvm() {
        return Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    private static Optional<Instant> fromProcFileSystem(Clock clock) {
        try {
            Instant now = clock.instant();
            String uptime = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // the command name, in parentheses, may itself hold spaces and parentheses
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long startTicks = Long.parseLong(fields[START_TIME_FIELD]);
            long uptimeMillis = Math.round(Double.parseDouble(uptime) * 1000);
            long ageMillis = uptimeMillis - startTicks * 1000 / TICKS_PER_SECOND;
            return Optional.of(now.minus(Duration.ofMillis(ageMillis)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
