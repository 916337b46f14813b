package dev.quiver.training;

/**
 * How the digits classifier is trained. Immutable; {@link #defaults()} is what the demo model uses.
 *
 * @param epochs        passes over the training rows
 * @param learningRate  AdaGrad's initial learning rate
 * @param seed          seeds the split and the SGD shuffling, so a run is reproducible
 * @param testFraction  share of rows held out to report accuracy
 */
public record TrainingOptions(int epochs, double learningRate, long seed, double testFraction) {

    public TrainingOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be strictly between 0 and 1, got " + testFraction);
        }
    }

    public static TrainingOptions defaults() {
        return new TrainingOptions(15, 0.5, 20261123L, 0.2);
    }

    public TrainingOptions withEpochs(int newEpochs) {
        return new TrainingOptions(newEpochs, learningRate, seed, testFraction);
    }

    public TrainingOptions withLearningRate(double newLearningRate) {
        return new TrainingOptions(epochs, newLearningRate, seed, testFraction);
    }

    public TrainingOptions withSeed(long newSeed) {
        return new TrainingOptions(epochs, learningRate, newSeed, testFraction);
    }
}
