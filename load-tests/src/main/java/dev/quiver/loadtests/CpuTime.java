package dev.quiver.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's CPU time from {@code /proc/stat}, to report how much of it the hypervisor took (steal) while a
 * scenario ran: on a shared machine that is the first suspect when figures move between runs.
 */
public record CpuTime(long total, long steal) {

    private static final Path STAT = Path.of("/proc/stat");

    public static CpuTime now() {
        try {
            for (String line : Files.readAllLines(STAT)) {
                if (line.startsWith("cpu ")) {
                    String[] fields = line.trim().split("\\s+");
                    long total = 0;
                    for (int i = 1; i < fields.length && i <= 8; i++) {
                        total += Long.parseLong(fields[i]);
                    }
                    return new CpuTime(total, fields.length > 8 ? Long.parseLong(fields[8]) : 0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new CpuTime(0, 0);
        }
        return new CpuTime(0, 0);
    }

    /** Percentage of the CPU time since {@code earlier} that was stolen. */
    public double stealPercentSince(CpuTime earlier) {
        long elapsed = total - earlier.total;
        return elapsed <= 0 ? 0 : 100.0 * (steal - earlier.steal) / elapsed;
    }
}
