package dev.quiver.events.inference;

/**
 * Payload of {@code dev.quiver.inference.failed}: a request that can never succeed as sent.
 *
 * @param model   the model the request named
 * @param version the version it named, if any
 * @param error   what is wrong, naming the offending field and what was expected
 * @param reason  {@value #NOT_FOUND} when the model or version is not served (a version just published may be
 *                served a little later), {@value #INVALID_INPUT} when the request itself is wrong; absent from
 *                producers older than this property
 */
public record InferenceFailed(String model, String version, String error, String reason) {

    public static final String NOT_FOUND = "not-found";
    public static final String INVALID_INPUT = "invalid-input";
}
