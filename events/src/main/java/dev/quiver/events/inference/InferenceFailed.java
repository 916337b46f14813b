package dev.quiver.events.inference;

/**
 * Payload of {@code dev.quiver.inference.failed}: a request that can never succeed as sent.
 *
 * @param model   the model the request named
 * @param version the version it named, if any
 * @param error   what is wrong, naming the offending field and what was expected
 */
public record InferenceFailed(String model, String version, String error) {
}
