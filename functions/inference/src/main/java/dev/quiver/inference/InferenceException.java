package dev.quiver.inference;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.util.Optional;

/**
 * The one error type of the inference function. Its kind decides the HTTP status; its message names the offending
 * field and what was expected, and is what the caller reads in {@code {"error": "..."}}.
 */
public class InferenceException extends RuntimeException {

    public enum Kind {
        INVALID_INPUT(400),
        NOT_FOUND(404),
        CONFLICT(409),
        PAYLOAD_TOO_LARGE(413),
        UNSUPPORTED_MEDIA_TYPE(415),
        UNAVAILABLE(503),
        DEADLINE_EXCEEDED(504),
        OUTPUT_REFUSED(500),
        INTERNAL(500);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Kind kind;
    private final Duration retryAfter;

    private InferenceException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public static InferenceException invalidInput(String message) {
        return new InferenceException(Kind.INVALID_INPUT, message, null, null);
    }

    /** A body that is not well-formed JSON, located by line and column. */
    public static InferenceException malformedJson(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return invalidInput("request body: malformed JSON" + where + ": " + e.getOriginalMessage());
    }

    public static InferenceException notFound(String message) {
        return new InferenceException(Kind.NOT_FOUND, message, null, null);
    }

    public static InferenceException payloadTooLarge(String message) {
        return new InferenceException(Kind.PAYLOAD_TOO_LARGE, message, null, null);
    }

    public static InferenceException unsupportedMediaType(String message) {
        return new InferenceException(Kind.UNSUPPORTED_MEDIA_TYPE, message, null, null);
    }

    public static InferenceException unavailable(String message, Duration retryAfter) {
        return new InferenceException(Kind.UNAVAILABLE, message, retryAfter, null);
    }

    /** The request's deadline passed before the model answered it, and no fallback answered in its place. */
    public static InferenceException deadlineExceeded(String message) {
        return new InferenceException(Kind.DEADLINE_EXCEEDED, message, null, null);
    }

    /**
     * The model answered, but its answer failed the version's output checks (NaN, infinity, out of its declared range)
     * and no fallback answered in its place: a fault of the model, not of the request.
     */
    public static InferenceException outputRefused(String message) {
        return new InferenceException(Kind.OUTPUT_REFUSED, message, null, null);
    }

    /** The request does not fit the state it would change (a rollout already under way, one changed meanwhile). */
    public static InferenceException conflict(String message) {
        return new InferenceException(Kind.CONFLICT, message, null, null);
    }

    public static InferenceException internal(String message, Throwable cause) {
        return new InferenceException(Kind.INTERNAL, message, null, cause);
    }

    /** Text a caller sent, cut for a message: an error names what is wrong, it does not echo a megabyte back. */
    public static String shown(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    public Kind kind() {
        return kind;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
