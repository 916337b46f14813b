package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one version did during a rollout step, on one replica or summed over all: requests it served, those it failed
 * (a fault of its own: an error, a missed deadline, an answer its output checks refused; whether or not a fallback
 * answered instead), the answers its output checks refused, the requests a fallback answered, the latency of every
 * request it served, and the named signals other parts of the function measure ({@link RolloutSignal}). A caller's
 * own mistake (a 4xx) is no request of the version here.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record VersionFigures(long requests, long faults, long outputCheckFailures, long fallbacks,
                             LatencyHistogram latency, Map<String, Tally> signals) {

    public static final VersionFigures NONE = new VersionFigures(0, 0, 0, 0, LatencyHistogram.empty(), Map.of());

    public VersionFigures {
        latency = latency == null ? LatencyHistogram.empty() : latency;
        signals = signals == null ? Map.of() : Map.copyOf(signals);
    }

    public VersionFigures plus(VersionFigures other) {
        Map<String, Tally> summed = new TreeMap<>(signals);
        other.signals.forEach((name, tally) -> summed.merge(name, tally, Tally::plus));
        return new VersionFigures(requests + other.requests, faults + other.faults,
                outputCheckFailures + other.outputCheckFailures, fallbacks + other.fallbacks,
                latency.plus(other.latency), summed);
    }

    public double faultRate() {
        return requests == 0 ? 0 : (double) faults / requests;
    }

    public double outputCheckFailureRate() {
        return requests == 0 ? 0 : (double) outputCheckFailures / requests;
    }
}
