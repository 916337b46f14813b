package dev.quiver.inference.batch.notification;

import dev.quiver.inference.batch.InvalidNotificationException;
import dev.quiver.inference.batch.ObjectCreated;
import dev.quiver.inference.batch.StorageProvider;
import dev.quiver.storage.ObjectKeys;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Turns what a notification says about an object into an {@link ObjectCreated}, or a skip, or a refusal. */
final class ObjectNames {

    private static final int MAX_VERSION_LENGTH = 128;

    private ObjectNames() {
    }

    /**
     * Adds the object to the reading, or skips it when its key ends in '/' (a folder placeholder).
     *
     * @param at    where the record is, the key and version fields named relative to it
     * @param key   the key, decoded
     * @param field the name of the key's field, for messages
     */
    static void created(Reading reading, StorageProvider provider, String at, String bucket, String key,
                        String field, String version, String versionField, long size) {
        bucket(bucket, at + "bucket");
        if (key.endsWith("/")) {
            reading.skipped(record(at), SkipReason.FOLDER_PLACEHOLDER, "s3://" + bucket + "/" + shown(key)
                    + " is a folder placeholder (size " + size + ")");
            return;
        }
        try {
            ObjectKeys.validate(key);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException(InvalidNotificationException.BAD_KEY, at + field + ": "
                    + e.getMessage() + "; such a key can never be processed");
        }
        reading.created(new NotifiedObject(record(at), new ObjectCreated(bucket, key,
                version(version.replace("\"", ""), at + versionField), size, provider)));
    }

    /** A bucket is one segment of a path: not empty, no '/', not '.' or '..', no control characters. */
    private static void bucket(String bucket, String field) {
        try {
            if (bucket.contains("/")) {
                throw new IllegalArgumentException("a bucket name has no '/'");
            }
            ObjectKeys.validate(bucket);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException(InvalidNotificationException.BAD_KEY, field + ": '" + shown(bucket)
                    + "' is no bucket name: " + e.getMessage());
        }
    }

    /** An S3 key as S3, MinIO and EventBridge send it: URL-encoded with '+' for spaces, decoded exactly once. */
    static String urlDecoded(String encoded, String field) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException(field + ": not URL-encoded text (" + e.getMessage() + ")");
        }
    }

    /** A version names result and claim objects, so it is a short token. */
    private static String version(String version, String field) {
        if (version.length() > MAX_VERSION_LENGTH || !version.chars().allMatch(c -> c > 0x20 && c < 0x7f
                && c != '/' && c != '\\')) {
            throw new InvalidNotificationException(InvalidNotificationException.BAD_KEY, field
                    + ": expected a version token of at most " + MAX_VERSION_LENGTH
                    + " printable characters without '/'");
        }
        return version;
    }

    /** The record's place for the report: the path without its trailing '.', "notification" at the top. */
    static String record(String at) {
        String path = at.endsWith(".") ? at.substring(0, at.length() - 1) : at;
        return path.isEmpty() ? "notification" : path;
    }

    static String shown(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
