package dev.quiver.pool;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of a resource as Kubernetes writes it ({@code 2}, {@code 500m}, {@code 4Gi}, {@code 1.5}), held in
 * thousandths of the resource's unit so that every resource (cpu, memory, gpu, any other) is one kind of number.
 * {@link #UNLIMITED} stands for a quota with no bound; sums saturate at it.
 */
public final class Quantity {

    /** Larger than any pool; far enough below {@code Long.MAX_VALUE} that a few of them add up without overflow. */
    public static final long UNLIMITED = Long.MAX_VALUE / 16;

    public static final String FORMS = "a quantity such as 8, 500m, 1.5 or 64Gi, or unlimited";

    private static final Pattern TEXT = Pattern.compile("(\\d+(?:\\.\\d+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?");

    private Quantity() {
    }

    /** The amount in thousandths; empty when {@code text} is not a quantity or is too large. */
    public static Optional<Long> parseMillis(String text) {
        if (text.equals("unlimited")) {
            return Optional.of(UNLIMITED);
        }
        Matcher matcher = TEXT.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        BigDecimal unit = switch (matcher.group(2) == null ? "" : matcher.group(2)) {
            case "m" -> BigDecimal.ONE.movePointLeft(3);
            case "k" -> BigDecimal.valueOf(1_000L);
            case "M" -> BigDecimal.valueOf(1_000_000L);
            case "G" -> BigDecimal.valueOf(1_000_000_000L);
            case "T" -> BigDecimal.valueOf(1_000_000_000_000L);
            case "P" -> BigDecimal.valueOf(1_000_000_000_000_000L);
            case "Ki" -> BigDecimal.valueOf(1L << 10);
            case "Mi" -> BigDecimal.valueOf(1L << 20);
            case "Gi" -> BigDecimal.valueOf(1L << 30);
            case "Ti" -> BigDecimal.valueOf(1L << 40);
            case "Pi" -> BigDecimal.valueOf(1L << 50);
            default -> BigDecimal.ONE;
        };
        BigDecimal millis = new BigDecimal(matcher.group(1)).multiply(unit).movePointRight(3);
        if (millis.stripTrailingZeros().scale() > 0 || millis.compareTo(BigDecimal.valueOf(UNLIMITED)) >= 0) {
            return Optional.empty();
        }
        return Optional.of(millis.longValueExact());
    }

    /** As Kubernetes would write it: whole units when it is whole ({@code 8}, {@code 4Gi}), thousandths otherwise. */
    public static String format(long millis) {
        if (millis % 1000 != 0) {
            return millis + "m";
        }
        long units = millis / 1000;
        String[] suffixes = {"Ki", "Mi", "Gi", "Ti", "Pi"};
        String suffix = "";
        for (int i = suffixes.length; i >= 1 && suffix.isEmpty(); i--) {
            long size = 1L << (10 * i);
            if (units >= size && units % size == 0) {
                units /= size;
                suffix = suffixes[i - 1];
            }
        }
        return units + suffix;
    }

    /** {@code amount * factor} for non-negative operands, at most {@link #UNLIMITED}. */
    public static long times(long amount, long factor) {
        return Math.multiplyHigh(amount, factor) != 0 ? UNLIMITED : Math.min(UNLIMITED, amount * factor);
    }

    /** {@code a + b}, at most {@link #UNLIMITED}. */
    public static long add(long a, long b) {
        return Math.min(UNLIMITED, a + b);
    }
}
