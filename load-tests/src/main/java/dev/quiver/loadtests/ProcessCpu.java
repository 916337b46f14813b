package dev.quiver.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by one process (user and system, from {@code /proc/<pid>/stat}), to report what a request costs the
 * server in CPU: unlike throughput, that does not move when another tenant of a shared machine takes the CPU.
 */
public final class ProcessCpu {

    /** Linux reports process times in clock ticks (USER_HZ), 100 per second. */
    private static final double MICROS_PER_TICK = 10_000;

    private final Path stat;

    public ProcessCpu(long pid) {
        this.stat = Path.of("/proc", Long.toString(pid), "stat");
    }

    /** Microseconds of CPU the process has used so far, or -1 when it cannot be read. */
    public double micros() {
        try {
            String line = Files.readString(stat);
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MICROS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
