package dev.quiver.storage;

/**
 * The keys a store accepts: relative, '/'-separated, without empty, '.' or '..' segments, backslashes or control
 * characters. Whatever an event or a caller says a key is, it cannot name anything outside the store's root.
 */
public final class ObjectKeys {

    private static final int MAX_LENGTH = 1024;

    private ObjectKeys() {
    }

    public static String validate(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("object key: must not be empty");
        }
        if (key.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("object key: at most " + MAX_LENGTH + " characters, got "
                    + key.length());
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("object key '" + key + "': must be relative (no leading '/')");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' || Character.isISOControl(c)) {
                throw new IllegalArgumentException("object key '" + printable(key) + "': backslashes and control "
                        + "characters are not allowed");
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("object key '" + key + "': empty, '.' and '..' segments are "
                        + "not allowed");
            }
        }
        return key;
    }

    /** A prefix for listing: empty, or a valid key optionally ending in '/'. */
    public static String validatePrefix(String prefix) {
        if (prefix.isEmpty()) {
            return prefix;
        }
        validate(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        return prefix;
    }

    private static String printable(String key) {
        StringBuilder out = new StringBuilder();
        for (char c : key.toCharArray()) {
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
