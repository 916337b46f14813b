package dev.quiver.inference.batch;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How large a shard of an object may be, from a rule's {@code shard-size}: bytes ({@code 64MB}, {@code 512K}, in
 * powers of 1024) or rows (a plain number, or {@code 100000 rows}). Objects larger are split into shards that many
 * replicas run at once.
 *
 * @param bytes most bytes of a shard, 0 when the size is in rows
 * @param rows  most rows of a shard, 0 when the size is in bytes
 */
public record ShardSize(long bytes, long rows) {

    private static final Pattern TEXT = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib|rows?)?");

    public ShardSize {
        if ((bytes > 0) == (rows > 0)) {
            throw new IllegalArgumentException("a shard size is bytes or rows, and positive");
        }
    }

    /** @return the size, or empty when the text is not a positive size */
    public static Optional<ShardSize> parse(String text) {
        Matcher matcher = TEXT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            return Optional.empty();
        }
        long amount;
        try {
            amount = Long.parseLong(matcher.group(1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String unit = matcher.group(2) == null ? "rows" : matcher.group(2);
        if (amount <= 0) {
            return Optional.empty();
        }
        if (unit.startsWith("row")) {
            return Optional.of(new ShardSize(0, amount));
        }
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (amount > Long.MAX_VALUE >> shift) {
            return Optional.empty();
        }
        return Optional.of(new ShardSize(amount << shift, 0));
    }

    /** Whether an object of {@code size} bytes may need more than one shard; in rows only its rows can tell. */
    public boolean mayExceed(long size) {
        return rows > 0 || size > bytes;
    }
}
