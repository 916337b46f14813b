package dev.quiver.inference.monitoring;

/**
 * The latest labelled items of one version: whether each was right (a classifier) or how far off it was (a
 * regressor), in a ring of fixed size. Labels come far less often than predictions, so a lock per version is cheap.
 */
final class LabelWindow {

    private final double[] scores;
    private int next;
    private int count;
    private double sum;

    LabelWindow(int size) {
        this.scores = new double[size];
    }

    /** @param score 1 for a right class, 0 for a wrong one; the absolute error for a value */
    synchronized void record(double score) {
        if (count == scores.length) {
            sum -= scores[next];
        } else {
            count++;
        }
        scores[next] = score;
        sum += score;
        next = (next + 1) % scores.length;
    }

    /** Labelled items in the window and the mean of their scores (accuracy, or mean absolute error). */
    synchronized Accuracy accuracy() {
        return new Accuracy(count, count == 0 ? null : sum / count);
    }

    /**
     * @param labels labelled items in the window
     * @param mean   the share right (classifier) or mean absolute error (regressor); null without labels
     */
    record Accuracy(int labels, Double mean) {
    }
}
