package dev.quiver.training;

import org.tribuo.classification.sgd.linear.LinearSGDModel;

/** A trained digits classifier and how it scored on the held-out rows. */
public record TrainedDigitsModel(LinearSGDModel model, double testAccuracy, int trainRows, int testRows) {
}
