package dev.quiver.deploy.judge;

import java.util.OptionalDouble;

/** What a canary must meet to be promoted: at most this error rate and p99, over at least this many requests. */
public record Criteria(double maxErrorRate, OptionalDouble maxP99Millis, long minRequests) {
}
