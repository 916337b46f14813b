package dev.quiver.inference.rollout;

/**
 * A count of successes among trials, which adds up across replicas: agreement with the stable version's answers for
 * shadow scoring, correct answers for live accuracy.
 */
public record Tally(long hits, long trials) {

    public static final Tally NONE = new Tally(0, 0);

    public Tally plus(Tally other) {
        return new Tally(hits + other.hits, trials + other.trials);
    }

    public Tally minus(Tally other) {
        return new Tally(Math.max(0, hits - other.hits), Math.max(0, trials - other.trials));
    }

    /** The share of hits, 0 without trials. */
    public double rate() {
        return trials == 0 ? 0 : (double) hits / trials;
    }
}
