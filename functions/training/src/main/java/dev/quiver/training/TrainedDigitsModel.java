package dev.quiver.training;

import dev.quiver.baseline.TrainingBaseline;
import org.tribuo.classification.sgd.linear.LinearSGDModel;

/**
 * A trained digits classifier, how it scored on the held-out rows, and what its training rows looked like.
 *
 * @param baseline the training rows' statistics, written as {@code baseline.json} beside the model
 */
public record TrainedDigitsModel(LinearSGDModel model, double testAccuracy, int trainRows, int testRows,
                                 TrainingBaseline baseline) {
}
