package dev.quiver.inference.shadow;

import dev.quiver.inference.rollout.Tally;
import dev.quiver.inference.modelconfig.Routing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * What the shadow copies of one model's requests showed, for one serving version and one candidate: the comparisons
 * added up, the latencies of both (HdrHistogram, bounded memory, for the endpoint's quantiles; Micrometer histograms
 * for Prometheus), copies dropped and copies the candidate failed. Written by the shadow threads, read by the
 * endpoint and the metrics.
 */
final class ShadowStats {

    private static final long MAX_LATENCY_MICROS = TimeUnit.SECONDS.toMicros(60);

    private final long servingVersion;
    private final long candidateVersion;
    private final ConcurrentHistogram servingLatency = new ConcurrentHistogram(MAX_LATENCY_MICROS, 2);
    private final ConcurrentHistogram candidateLatency = new ConcurrentHistogram(MAX_LATENCY_MICROS, 2);
    private final Counter copies;
    private final Counter dropped;
    private final Counter errors;
    private final Counter rows;
    private final Counter agreed;
    private final Timer servingTimer;
    private final Timer candidateTimer;
    private long compared;
    private long rowCount;
    private long agreedCount;
    private long valueCount;
    private double sumAbsolute;
    private double sumSquared;
    private double maxAbsolute;
    private Routing.Compare compare;

    ShadowStats(MeterRegistry meters, String model, long servingVersion, long candidateVersion) {
        this.servingVersion = servingVersion;
        this.candidateVersion = candidateVersion;
        Tags tags = Tags.of("model", model, "serving_version", Long.toString(servingVersion), "candidate_version",
                Long.toString(candidateVersion));
        copies = Counter.builder("quiver.shadow.requests").description("Requests copied to a shadow candidate")
                .tags(tags).register(meters);
        dropped = Counter.builder("quiver.shadow.dropped")
                .description("Shadow copies dropped because their model's shadow line was full").tags(tags)
                .register(meters);
        errors = Counter.builder("quiver.shadow.errors")
                .description("Shadow copies the candidate failed, or whose answers could not be compared")
                .tags(tags).register(meters);
        rows = Counter.builder("quiver.shadow.compared.rows")
                .description("Rows whose argmax was compared (classifiers)").tags(tags).register(meters);
        agreed = Counter.builder("quiver.shadow.agreed.rows")
                .description("Rows where the candidate's argmax agreed with the serving version's").tags(tags)
                .register(meters);
        Gauge.builder("quiver.shadow.agreement", this, ShadowStats::agreement)
                .description("Share of compared rows where the candidate agreed (classifiers)").tags(tags)
                .register(meters);
        Gauge.builder("quiver.shadow.mean.absolute.error", this, ShadowStats::meanAbsoluteError)
                .description("Mean absolute error of the candidate's values (regressors)").tags(tags).register(meters);
        Gauge.builder("quiver.shadow.rmse", this, ShadowStats::rootMeanSquaredError)
                .description("Root mean squared error of the candidate's values (regressors)").tags(tags)
                .register(meters);
        Gauge.builder("quiver.shadow.max.absolute.error", this, ShadowStats::maxAbsoluteError)
                .description("Largest absolute error of the candidate's values (regressors)").tags(tags)
                .register(meters);
        servingTimer = latencyTimer(meters, tags, "serving");
        candidateTimer = latencyTimer(meters, tags, "candidate");
    }

    private static Timer latencyTimer(MeterRegistry meters, Tags tags, String role) {
        return Timer.builder("quiver.shadow.latency")
                .description("Latency of shadowed requests, of the serving version and of the candidate")
                .tags(tags.and("role", role)).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(meters);
    }

    void copied() {
        copies.increment();
    }

    void dropped() {
        dropped.increment();
    }

    void failed() {
        errors.increment();
    }

    void compared(ShadowComparison comparison, long servingNanos, long candidateNanos) {
        servingLatency.recordValue(Math.min(MAX_LATENCY_MICROS, servingNanos / 1_000));
        candidateLatency.recordValue(Math.min(MAX_LATENCY_MICROS, candidateNanos / 1_000));
        servingTimer.record(servingNanos, TimeUnit.NANOSECONDS);
        candidateTimer.record(candidateNanos, TimeUnit.NANOSECONDS);
        if (comparison.mismatch() != null) {
            errors.increment();
            return;
        }
        rows.increment(comparison.rows());
        agreed.increment(comparison.agreed());
        synchronized (this) {
            compare = comparison.compare();
            compared++;
            rowCount += comparison.rows();
            agreedCount += comparison.agreed();
            valueCount += comparison.values();
            sumAbsolute += comparison.sumAbsolute();
            sumSquared += comparison.sumSquared();
            maxAbsolute = Math.max(maxAbsolute, comparison.maxAbsolute());
        }
    }

    /** Rows the candidate agreed on, of those compared (classifiers). */
    synchronized Tally agreements() {
        return new Tally(agreedCount, rowCount);
    }

    synchronized double agreement() {
        return rowCount == 0 ? Double.NaN : (double) agreedCount / rowCount;
    }

    synchronized double meanAbsoluteError() {
        return valueCount == 0 ? Double.NaN : sumAbsolute / valueCount;
    }

    synchronized double rootMeanSquaredError() {
        return valueCount == 0 ? Double.NaN : Math.sqrt(sumSquared / valueCount);
    }

    synchronized double maxAbsoluteError() {
        return valueCount == 0 ? Double.NaN : maxAbsolute;
    }

    /** The figures as the shadow endpoint shows them. */
    synchronized ShadowReport.Pair report() {
        ShadowReport.Errors errorStats = valueCount == 0 ? null : new ShadowReport.Errors(valueCount,
                meanAbsoluteError(), rootMeanSquaredError(), maxAbsolute);
        return new ShadowReport.Pair(Long.toString(servingVersion), Long.toString(candidateVersion),
                compare == null ? null : compare.name().toLowerCase(), (long) copies.count(), compared,
                (long) dropped.count(), (long) errors.count(), rowCount == 0 ? null : rowCount,
                rowCount == 0 ? null : agreedCount, rowCount == 0 ? null : agreement(), errorStats,
                new ShadowReport.Latency(quantiles(servingLatency), quantiles(candidateLatency)));
    }

    private static ShadowReport.Quantiles quantiles(ConcurrentHistogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return null;
        }
        return new ShadowReport.Quantiles(histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0);
    }
}
