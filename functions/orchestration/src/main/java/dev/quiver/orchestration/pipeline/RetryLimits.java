package dev.quiver.orchestration.pipeline;

/**
 * How often a failed step may be tried in all (the retry decision weighs this with what the step's metadata shows).
 *
 * @param maxAttempts the first attempt included
 */
public record RetryLimits(int maxAttempts) {
}
