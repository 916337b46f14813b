package dev.quiver.inference.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * Mutations of a valid request body, the way an adversary or a broken client makes them: cut short, spans dropped or
 * repeated, stray JSON tokens and raw bytes inserted, numbers swapped for extreme ones, fields given twice, values of
 * the wrong type, nesting past any sane depth. Seeded, so a failure is reproduced by its seed and index.
 */
final class Mutations {

    private static final List<String> TOKENS = List.of(",", "}", "]", "[", "{", "\"", ":", "null", "true", "false",
            "1e400", "-1e39", "1e39", "18446744073709551617", "9223372036854775807", "-9223372036854775808", "-1",
            "0.5", "\"x\"", "\"\"", "[]", "{}", "\\u0000", "\"\\ud800\"", "NaN", "Infinity", "1" + "0".repeat(500));
    private static final List<String> EXTREME_NUMBERS = List.of("1e400", "-1e400", "1e39", "-1e39", "4e-400",
            "18446744073709551617", "72057594037927936", "-72057594037927936", "2147483648", "-1", "0", "1.5",
            "9223372036854775807", "1" + "0".repeat(1200), "\"7\"", "null", "[]", "{}", "true");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern FIELD = Pattern.compile("\"([a-z_]+)\"\\s*:\\s*");

    private final Random random;

    Mutations(long seed) {
        this.random = new Random(seed);
    }

    byte[] mutate(byte[] seed) {
        String text = new String(seed, StandardCharsets.ISO_8859_1);
        return switch (random.nextInt(9)) {
            case 0 -> bytes(text.substring(0, random.nextInt(text.length() + 1)));
            case 1 -> dropSpan(text);
            case 2 -> repeatSpan(text);
            case 3 -> insert(text, TOKENS.get(random.nextInt(TOKENS.size())));
            case 4 -> insertRawBytes(text);
            case 5 -> replaceNumber(text);
            case 6 -> repeatField(text);
            case 7 -> replaceValueAfterField(text);
            default -> nestDeeply(text);
        };
    }

    private byte[] dropSpan(String text) {
        int start = random.nextInt(text.length());
        int end = Math.min(text.length(), start + 1 + random.nextInt(20));
        return bytes(text.substring(0, start) + text.substring(end));
    }

    private byte[] repeatSpan(String text) {
        int start = random.nextInt(text.length());
        int end = Math.min(text.length(), start + 1 + random.nextInt(40));
        return bytes(text.substring(0, end) + text.substring(start));
    }

    private byte[] insert(String text, String token) {
        int at = random.nextInt(text.length() + 1);
        return bytes(text.substring(0, at) + token + text.substring(at));
    }

    private byte[] insertRawBytes(String text) {
        int at = random.nextInt(text.length() + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes(text.substring(0, at)));
        for (int i = 0; i < 1 + random.nextInt(4); i++) {
            out.write(0x80 + random.nextInt(0x80));
        }
        out.writeBytes(bytes(text.substring(at)));
        return out.toByteArray();
    }

    private byte[] replaceNumber(String text) {
        List<MatchResult> numbers = NUMBER.matcher(text).results().toList();
        if (numbers.isEmpty()) {
            return insert(text, "1e400");
        }
        MatchResult number = numbers.get(random.nextInt(numbers.size()));
        return bytes(text.substring(0, number.start()) + EXTREME_NUMBERS.get(random.nextInt(EXTREME_NUMBERS.size()))
                + text.substring(number.end()));
    }

    /** A field of some object given a second time, right after its first, with another value. */
    private byte[] repeatField(String text) {
        List<MatchResult> fields = FIELD.matcher(text).results().toList();
        if (fields.isEmpty()) {
            return insert(text, ",");
        }
        MatchResult field = fields.get(random.nextInt(fields.size()));
        String again = "\"" + field.group(1) + "\":" + EXTREME_NUMBERS.get(random.nextInt(EXTREME_NUMBERS.size()))
                + ",";
        return bytes(text.substring(0, field.start()) + again + text.substring(field.start()));
    }

    private byte[] replaceValueAfterField(String text) {
        List<MatchResult> fields = FIELD.matcher(text).results().toList();
        if (fields.isEmpty()) {
            return replaceNumber(text);
        }
        MatchResult field = fields.get(random.nextInt(fields.size()));
        int valueEnd = valueEnd(text, field.end());
        return bytes(text.substring(0, field.end()) + EXTREME_NUMBERS.get(random.nextInt(EXTREME_NUMBERS.size()))
                + text.substring(valueEnd));
    }

    private byte[] nestDeeply(String text) {
        int depth = 500 + random.nextInt(3000);
        return insert(text, "[".repeat(depth) + "]".repeat(random.nextBoolean() ? depth : 0));
    }

    /** Where the JSON value starting at {@code start} ends (its brackets balanced, strings skipped). */
    private static int valueEnd(String text, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return text.length();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
