package dev.quiver.training;

/** Told the held-out accuracy of the model after each epoch of a training. */
@FunctionalInterface
public interface EpochListener {

    void epochDone(int epoch, int epochs, double accuracy);
}
