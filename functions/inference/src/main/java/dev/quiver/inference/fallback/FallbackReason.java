package dev.quiver.inference.fallback;

/** Why a request was answered by its model's fallback chain. */
public enum FallbackReason {
    /** Its deadline passed before the model answered. */
    TIMEOUT("timeout"),
    /** The model failed (not the request's fault), or is unloading. */
    ERROR("error"),
    /** The model's answer failed its output checks (NaN, infinity, out of its declared range). */
    OUTPUT_CHECK("output-check");

    private final String label;

    FallbackReason(String label) {
        this.label = label;
    }

    /** The name in answers, headers and metrics. */
    public String label() {
        return label;
    }
}
