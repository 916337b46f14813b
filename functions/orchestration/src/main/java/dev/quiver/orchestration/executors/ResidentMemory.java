package dev.quiver.orchestration.executors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident memory as Linux reports it ({@code VmRSS} in {@code /proc/<pid>/status}); 0 once it is gone. */
final class ResidentMemory {

    private ResidentMemory() {
    }

    static long of(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
