package dev.quiver.inference.modelconfig;

import java.time.Duration;

/**
 * A model's {@code monitoring} block: when its versions are too old, and when their live accuracy is too low to go
 * unnoticed. Every field may be absent ({@code null}): no age limit, no accuracy alert; {@code min_labels} then
 * defaults to {@link #MIN_LABELS}.
 *
 * <pre>
 * monitoring: {max_age: 30d, min_accuracy: 0.9, min_labels: 50, max_prediction_shift: 0.25}   # or max_mae: 2.5
 * monitoring: {labels: true}   # keep answers for labels, live accuracy without an alert
 * </pre>
 *
 * @param maxAge      a version trained (else serving) longer ago raises a {@code stale} alert
 * @param minAccuracy a classifier whose share of correct labelled answers falls below it raises {@code accuracy}
 * @param maxMae      a regressor whose mean absolute error over its labelled answers rises above it raises
 *                    {@code accuracy}
 * @param minLabels   labels a version needs in its window before its accuracy is judged
 * @param maxPredictionShift a classifier whose predicted classes in a window differ from those of the window before
 *                    by a population stability index above it raises {@code prediction-shift}
 * @param labels      whether the model's answers are kept for {@code dev.quiver.inference.label} events; absent, they
 *                    are when {@code min_accuracy} or {@code max_mae} asks for live accuracy. Keeping answers costs
 *                    every request a write to the store of answers, so a model no label comes back for does not pay
 *                    it
 */
public record MonitoringSpec(Duration maxAge, Double minAccuracy, Double maxMae, Integer minLabels,
                             Double maxPredictionShift, Boolean labels) {

    public static final int MIN_LABELS = 50;
    public static final MonitoringSpec NONE = new MonitoringSpec(null, null, null, null, null, null);

    /** Whether answers are kept for labels: as {@code labels} says, else when an accuracy limit needs them. */
    public boolean keepsAnswers() {
        return labels != null ? labels : minAccuracy != null || maxMae != null;
    }

    /** Labels needed before accuracy is judged, after the default. */
    public int labelsNeeded() {
        return minLabels == null ? MIN_LABELS : minLabels;
    }
}
