package dev.quiver.orchestration.digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content digests as artifacts record them: {@code sha256:<64 hex digits>}, the form of OCI and of the digests the
 * steps report, so that a digest Quiver computes compares equal to one a step wrote.
 */
public final class Sha256 {

    public static final String PREFIX = "sha256:";

    private Sha256() {
    }

    public static String of(byte[] content) {
        return PREFIX + HexFormat.of().formatHex(digest().digest(content));
    }

    public static String of(InputStream content) throws IOException {
        MessageDigest digest = digest();
        try (OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            content.transferTo(sink);
        }
        return PREFIX + HexFormat.of().formatHex(digest.digest());
    }

    public static String of(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return of(in);
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
