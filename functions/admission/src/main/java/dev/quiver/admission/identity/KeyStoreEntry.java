package dev.quiver.admission.identity;

/**
 * A key's entry in the key store file, as {@code ./quiver new-key} prints it: a list item under {@code keys:}. Every
 * text is in double quotes so that YAML reads it as text: unquoted, an id of 12 decimal digits would be a number and an
 * owner {@code yes} a boolean. Plain string building, because the issuer runs with no YAML library on its class
 * path.
 */
public final class KeyStoreEntry {

    private KeyStoreEntry() {
    }

    public static String of(ApiKey key) {
        StringBuilder entry = new StringBuilder()
                .append("  - id: ").append(quoted(key.id())).append('\n')
                .append("    salt: ").append(quoted(key.salt())).append('\n')
                .append("    hash: ").append(quoted(key.hash())).append('\n')
                .append("    plan: ").append(quoted(key.plan())).append('\n');
        if (!key.owner().isEmpty()) {
            entry.append("    owner: ").append(quoted(key.owner())).append('\n');
        }
        if (key.admin()) {
            entry.append("    admin: true\n");
        }
        return entry.toString();
    }

    /** A YAML double-quoted scalar: backslash and quote escaped, control characters as {@code \\uXXXX}. */
    private static String quoted(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
