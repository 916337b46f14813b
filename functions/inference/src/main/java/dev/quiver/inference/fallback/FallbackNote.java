package dev.quiver.inference.fallback;

/**
 * What an answer says when its model's fallback chain gave it: why, and what answered.
 *
 * @param answeredBy the step that answered: {@code previous_version 1}, {@code model digits_small version 2},
 *                   {@code default_outputs}, {@code answers}
 */
public record FallbackNote(FallbackReason reason, String answeredBy) {

    public static final String HEADER = "Quiver-Fallback";

    /** The CloudEvent extension of a reply that carries the reason (CloudEvents names: lower-case letters only). */
    public static final String REASON_EXTENSION = "fallbackreason";

    /** The CloudEvent extension of a reply that carries what answered. */
    public static final String ANSWERED_BY_EXTENSION = "fallbackansweredby";

    /** The {@code Quiver-Fallback} header's value. */
    public String header() {
        return "reason=" + reason.label() + "; answered-by=\"" + answeredBy + "\"";
    }
}
