package dev.quiver.admission.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An API key as the key store holds it: its public id, a random salt and the salted SHA-256 of the whole key, never
 * the key itself. Keys carry 256 random bits, so a fast salted hash is enough (a slow password hash guards
 * low-entropy secrets and would cost every request milliseconds). A key reads {@code qvk_<id>_<secret>}.
 */
public record ApiKey(String id, String salt, String hash, String plan, String owner, boolean admin) {

    public static final String PREFIX = "qvk_";
    private static final Pattern FORMAT = Pattern.compile("qvk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The id of a presented key, or null when it does not have the form of a Quiver key. */
    public static String idOf(String presented) {
        Matcher matcher = FORMAT.matcher(presented);
        return matcher.matches() ? matcher.group(1) : null;
    }

    /** Whether {@code presented} is this key, in time independent of where it differs. */
    public boolean matches(String presented) {
        byte[] expected = Base64.getDecoder().decode(hash);
        return MessageDigest.isEqual(expected, digest(Base64.getDecoder().decode(salt), presented));
    }

    /** A new key for {@code plan}: the secret to hand to the caller once, and the entry for the key store. */
    public static Issued issue(String plan, String owner, boolean admin) {
        byte[] idBytes = new byte[6];
        byte[] secret = new byte[32];
        byte[] salt = new byte[16];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secret);
        RANDOM.nextBytes(salt);
        String id = HexFormat.of().formatHex(idBytes);
        String key = PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        ApiKey stored = new ApiKey(id, Base64.getEncoder().encodeToString(salt),
                Base64.getEncoder().encodeToString(digest(salt, key)), plan, owner, admin);
        return new Issued(key, stored);
    }

    private static byte[] digest(byte[] salt, String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return sha.digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    public record Issued(String key, ApiKey stored) {
    }
}
