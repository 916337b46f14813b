package dev.quiver.orchestration.retry;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Figures as a decision's reasons write them. The reasons are read by whoever is paged about a failed step, so sizes
 * go in binary units and durations in the largest unit that keeps them above one, rather than as byte counts and
 * ISO-8601 periods.
 */
final class ReasonText {

    private static final long KIB = 1024;
    private static final long MIB = KIB * 1024;
    private static final long GIB = MIB * 1024;

    private ReasonText() {
    }

    /** {@code 512 MiB}, {@code 1.05 GiB}: a limit and a peak just past it must read differently. */
    static String bytes(long bytes) {
        if (bytes < KIB) {
            return bytes + " B";
        }
        if (bytes < MIB) {
            return tenths((double) bytes / KIB) + " KiB";
        }
        if (bytes < GIB) {
            return tenths((double) bytes / MIB) + " MiB";
        }
        return BigDecimal.valueOf((double) bytes / GIB).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString() + " GiB";
    }

    /** {@code 12 s}, {@code 30 min}, {@code 2.5 h}. */
    static String duration(Duration duration) {
        double seconds = duration.toMillis() / 1000.0;
        if (seconds < 60) {
            return tenths(seconds) + " s";
        }
        if (seconds < 3600) {
            return tenths(seconds / 60) + " min";
        }
        return tenths(seconds / 3600) + " h";
    }

    /** A metric value to at least two decimals and at most four: {@code 0.30}, {@code 0.934}, {@code 0.0012}. */
    static String value(double value) {
        BigDecimal rounded = BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_UP).stripTrailingZeros();
        return rounded.scale() < 2 ? rounded.setScale(2).toPlainString() : rounded.toPlainString();
    }

    /** A percentage to one decimal: {@code 12.0%}. */
    static String percent(double percent) {
        return BigDecimal.valueOf(percent).setScale(1, RoundingMode.HALF_UP).toPlainString() + "%";
    }

    private static String tenths(double value) {
        return BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
