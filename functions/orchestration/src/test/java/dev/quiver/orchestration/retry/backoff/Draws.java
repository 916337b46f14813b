package dev.quiver.orchestration.retry.backoff;

import java.util.random.RandomGenerator;

/** Random generators whose draws a test knows in advance, so that a jittered delay can be asserted exactly. */
public final class Draws {

    /** For policies without jitter: any draw fails the test. */
    public static final RandomGenerator NONE = () -> {
        throw new AssertionError("a policy without jitter drew a random number");
    };

    private Draws() {
    }

    /** Every {@code nextDouble()} is {@code fraction}; jitter draws nothing else. */
    public static RandomGenerator always(double fraction) {
        return new RandomGenerator() {
            @Override
            public double nextDouble() {
                return fraction;
            }

            @Override
            public long nextLong() {
                throw new AssertionError("jitter is expected to draw with nextDouble()");
            }
        };
    }
}
