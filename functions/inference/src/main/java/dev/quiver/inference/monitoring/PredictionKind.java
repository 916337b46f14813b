package dev.quiver.inference.monitoring;

/**
 * What a version's first output says about each item, as monitoring reads it: a class (the index of the highest of
 * several scores, or an integer label) or a number.
 */
public enum PredictionKind {
    CLASSIFIER("classifier"),
    REGRESSOR("regressor");

    private final String label;

    PredictionKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
