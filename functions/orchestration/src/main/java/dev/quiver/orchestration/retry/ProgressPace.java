package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureEvidence.Sample;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How fast the failed attempt was moving toward 100%, from its first and last progress samples, and when at that pace
 * it would have finished. A straight line through two points is crude, but it answers the question that matters: is
 * the deadline within reach at all.
 *
 * @param first     the earliest progress sample
 * @param last      the latest progress sample
 * @param projected from the attempt's start to 100% at this pace; empty when the pace is zero or negative
 */
public record ProgressPace(Sample first, Sample last, Optional<Duration> projected) {

    private static final double COMPLETE = 100;
    private static final double NANOS_PER_SECOND = 1e9;

    /** Empty without two samples some time apart, which give no pace. */
    public static Optional<ProgressPace> of(List<Sample> progress, Instant attemptStarted) {
        List<Sample> samples = progress.stream().sorted(Comparator.comparing(Sample::at)).toList();
        if (samples.size() < 2 || !samples.getLast().at().isAfter(samples.getFirst().at())) {
            return Optional.empty();
        }
        Sample first = samples.getFirst();
        Sample last = samples.getLast();
        double perSecond = (last.value() - first.value()) / seconds(Duration.between(first.at(), last.at()));
        if (perSecond <= 0) {
            return Optional.of(new ProgressPace(first, last, Optional.empty()));
        }
        double projected = seconds(Duration.between(attemptStarted, last.at()))
                + Math.max(0, COMPLETE - last.value()) / perSecond;
        return Optional.of(new ProgressPace(first, last,
                Optional.of(Duration.ofMillis(Math.round(projected * 1000)))));
    }

    public Duration span() {
        return Duration.between(first.at(), last.at());
    }

    public double gain() {
        return last.value() - first.value();
    }

    double percentPerHour() {
        return gain() / seconds(span()) * 3600;
    }

    /** Whether 100% would come after the deadline, counted from the attempt's start; never reaching it does. */
    public boolean misses(Duration deadline) {
        return projected.map(finish -> finish.compareTo(deadline) > 0).orElse(true);
    }

    private static double seconds(Duration duration) {
        return duration.getSeconds() + duration.getNano() / NANOS_PER_SECOND;
    }
}
