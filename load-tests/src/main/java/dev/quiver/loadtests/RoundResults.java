package dev.quiver.loadtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/**
 * What the rounds of a side-by-side benchmark measured: every round's figures of each scenario (throughput,
 * latencies, the machine's CPU steal, the server's CPU per request) and of each ratio, and the report of their
 * medians, so that a slow moment of a shared machine moves one round, not the result.
 */
final class RoundResults {

    private final Map<String, List<LatencyStats>> results = new LinkedHashMap<>();
    private final Map<String, List<Double>> steal = new LinkedHashMap<>();
    private final Map<String, List<Double>> serverCpu = new LinkedHashMap<>();
    private final Map<String, List<Double>> ratios = new LinkedHashMap<>();
    private final Duration warmUp;
    private final Duration duration;

    /** @param warmUp how long each scenario runs before it is measured, inside its server's CPU window */
    RoundResults(Duration warmUp, Duration duration) {
        this.warmUp = warmUp;
        this.duration = duration;
    }

    /**
     * Runs one scenario and records it. The server's CPU per request counts the scenario's warm-up too, inside the CPU
     * window, so the figure slightly overstates the cost per measured request, the same for all.
     *
     * @param server the process serving it; null (in-process scenarios) or unreadable records no CPU figure
     */
    LatencyStats measure(String name, ProcessCpu server, Callable<LatencyStats> scenario) throws Exception {
        CpuTime before = CpuTime.now();
        double cpuBefore = server == null ? -1 : server.micros();
        LatencyStats stats = scenario.call();
        double perRequest = cpuBefore < 0 ? Double.NaN : (server.micros() - cpuBefore)
                / (stats.requests() * (1 + (double) warmUp.toMillis() / duration.toMillis()));
        double stolen = CpuTime.now().stealPercentSince(before);
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(stats);
        steal.computeIfAbsent(name, k -> new ArrayList<>()).add(stolen);
        serverCpu.computeIfAbsent(name, k -> new ArrayList<>()).add(perRequest);
        System.out.printf(Locale.ROOT, "  %-60s %9.1f items/s  p50 %7.0f us  p99 %7.0f us  errors %d  steal %4.1f%%"
                + "  server CPU %6.1f us/request%n", name, stats.throughput(), stats.p50Micros(), stats.p99Micros(),
                stats.errors(), stolen, perRequest);
        return stats;
    }

    /** The server's CPU per request in the scenario's latest round. */
    double lastCpu(String name) {
        return serverCpu.get(name).getLast();
    }

    /** The median over the rounds of the server's CPU per request in a scenario. */
    double medianCpu(String name) {
        return median(serverCpu.get(name), Double::doubleValue);
    }

    /** Every scenario's rounds, in the order they were first measured. */
    Map<String, List<LatencyStats>> scenarios() {
        return Collections.unmodifiableMap(results);
    }

    void ratio(String name, double value) {
        ratios.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        System.out.printf(Locale.ROOT, "    %s: %.1f%n", name, value);
    }

    /** The two tables: each scenario's medians, and each ratio's median with every round's value. */
    String report(int rounds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "## Results: median of %d rounds, %d s per scenario after %d s of "
                + "warm-up%n%n", rounds, duration.toSeconds(), warmUp.toSeconds()));
        out.append("| scenario | items/s | p50 (us) | p90 (us) | p99 (us) | errors | CPU steal (%) "
                + "| server CPU per request (us) |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        results.forEach((name, runs) -> {
            double cpu = medianCpu(name);
            out.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f | %.0f | %.0f | %d | %.1f | %s |%n", name,
                    median(runs, LatencyStats::throughput), median(runs, LatencyStats::p50Micros),
                    median(runs, LatencyStats::p90Micros), median(runs, LatencyStats::p99Micros),
                    runs.stream().mapToLong(LatencyStats::errors).sum(), median(steal.get(name), Double::doubleValue),
                    Double.isNaN(cpu) ? "" : String.format(Locale.ROOT, "%.1f", cpu)));
        });
        out.append("\n## Ratios: median over the rounds of each round's ratio\n\n");
        out.append("| ratio | median | every round |\n|---|---:|---|\n");
        ratios.forEach((name, values) -> out.append(String.format(Locale.ROOT, "| %s | %.1f | %s |%n", name,
                median(values, Double::doubleValue),
                String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList()))));
        return out.toString();
    }

    static <T> double median(List<T> values, ToDoubleFunction<T> metric) {
        double[] sorted = values.stream().mapToDouble(metric).filter(value -> !Double.isNaN(value)).sorted()
                .toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
