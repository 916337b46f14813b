package dev.quiver.orchestration.pipeline;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A memory quantity as Kubernetes writes it: bytes with an optional suffix ({@code 512Mi}, {@code 4Gi}, {@code 1G}). */
public final class MemoryQuantity {

    private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?");

    private MemoryQuantity() {
    }

    /** @throws IllegalArgumentException saying what was expected, when {@code text} is not one or is too large */
    public static long bytes(String text) {
        Matcher matcher = QUANTITY.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a memory quantity: expected bytes with an "
                    + "optional suffix Ki, Mi, Gi, Ti, k, M, G or T (512Mi, 4Gi)");
        }
        long unit = switch (matcher.group(2) == null ? "" : matcher.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(matcher.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too large");
        }
    }
}
