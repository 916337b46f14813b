package dev.quiver.deploy.judge;

import java.util.OptionalDouble;

/** What a canary must meet to be promoted: at most this error rate and p99, over at least this many requests. */
public record Criteria(double maxErrorRate, OptionalDouble maxP99Millis, long minRequests) {

    public static Criteria defaults() {
        return new Criteria(0.01, OptionalDouble.empty(), 1);
    }

    public Criteria withMaxErrorRate(double rate) {
        return new Criteria(rate, maxP99Millis, minRequests);
    }

    public Criteria withMaxP99Millis(double millis) {
        return new Criteria(maxErrorRate, OptionalDouble.of(millis), minRequests);
    }

    public Criteria withMinRequests(long requests) {
        return new Criteria(maxErrorRate, maxP99Millis, requests);
    }
}
