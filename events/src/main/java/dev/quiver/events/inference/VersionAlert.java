package dev.quiver.events.inference;

/**
 * Payload of {@code dev.quiver.inference.version.alert.raised}: a model version was taken out of service because too
 * many of its answers failed their output checks (NaN, infinity, out of its declared ranges), and someone should look.
 *
 * @param failures the failed answers that took it out
 * @param window   among this many of its latest checked answers
 * @param reason   what the last failed answer broke
 */
public record VersionAlert(String model, String modelVersion, String digest, int failures, int window,
                           String reason) {
}
