package dev.quiver.inference.validation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's resident memory, read from {@code /proc/self/statm} (Linux): what ONNX Runtime's native allocations
 * add shows there and nowhere in the JVM's own accounting.
 */
public final class ResidentMemory {

    private static final Path STATM = Path.of("/proc/self/statm");
    /** The page size of the platforms Quiver's images run on; statm counts pages. */
    private static final long PAGE = 4096;

    private ResidentMemory() {
    }

    public static OptionalLong bytes() {
        try {
            String[] fields = Files.readString(STATM).trim().split("\\s+");
            return OptionalLong.of(Long.parseLong(fields[1]) * PAGE);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
