package dev.quiver.events.model;

/**
 * Payload of {@code dev.quiver.model.alert.raised}: something about a model version that is serving (or a candidate
 * for it) needs a person: it is older than allowed, its answers stopped varying, its inputs drifted from its training
 * data, its golden set or live accuracy fell, or its canary was rolled back.
 *
 * @param kind      what was found: {@code stale}, {@code constant-output}, {@code prediction-shift},
 *                  {@code feature-drift}, {@code golden-set}, {@code accuracy} or {@code canary-rolled-back}
 * @param reason    the finding in words, with the figures behind it
 * @param input     the input a {@code feature-drift} alert is about; absent otherwise
 * @param measured  the figure that crossed its threshold (an age in seconds, a PSI, an accuracy), when there is one
 * @param threshold the threshold it crossed
 */
public record ModelAlert(String model, String modelVersion, String kind, String reason, String input,
                         Double measured, Double threshold) {
}
