package dev.quiver.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What routing and monitoring cost on the digits path, on two instances of the function started side by side: one
 * watching what it serves (prediction statistics, answers kept for labels, feature drift against the version's
 * training baseline, scheduled golden sets: the defaults), one with all of that off. On the watching instance,
 * {@code /v2/models/digits/infer} (a model without routing) and {@code /v2/models/digits_routed/infer} (the same model
 * as two versions with weights 50/50, sticky by the {@code X-User} header); on the other, digits alone. Each round
 * measures the three one right after the other, in rotating order, and computes the round's ratios of throughput and of
 * the servers' CPU per request (which moves less than throughput when other tenants of a shared machine take the
 * CPU); the report gives the medians.
 */
public final class RoutingBenchmark {

    private static final String PLAIN = "/v2/models/digits/infer";
    private static final String ROUTED = "/v2/models/digits_routed/infer";

    private final Options options;
    private final Map<String, List<LatencyStats>> results = new LinkedHashMap<>();
    private final Map<String, List<Double>> serverCpu = new LinkedHashMap<>();
    private final Map<String, List<Double>> ratios = new LinkedHashMap<>();
    private final List<Scenario> scenarios;
    private final Buffer digits = Payloads.digitsV2(17);

    /** One path of one instance, measured as one scenario. */
    private record Scenario(String name, HttpLoad http, ProcessCpu server, String path) {
    }

    private RoutingBenchmark(Options options, HttpLoad watched, HttpLoad unwatched) {
        this.options = options;
        String name = "digits v2 c=" + options.concurrency;
        ProcessCpu watchedServer = new ProcessCpu(options.serverPid);
        this.scenarios = List.of(
                new Scenario(name + ", routed (2 versions, sticky by header), monitored", watched, watchedServer,
                        ROUTED),
                new Scenario(name + ", no routing, monitored", watched, watchedServer, PLAIN),
                new Scenario(name + ", no routing, monitoring and drift off", unwatched,
                        new ProcessCpu(options.unwatchedServerPid), PLAIN));
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Options()).execute(args));
    }

    private static void run(Options options) throws Exception {
        String report;
        try (HttpLoad watched = new HttpLoad(options.url); HttpLoad unwatched = new HttpLoad(options.unwatchedUrl)) {
            RoutingBenchmark benchmark = new RoutingBenchmark(options, watched, unwatched);
            benchmark.warmUp();
            for (int round = 1; round <= options.rounds.count(); round++) {
                System.out.printf("round %d of %d%n", round, options.rounds.count());
                benchmark.round(round);
            }
            report = benchmark.report();
        }
        System.out.println(report);
        if (options.report != null) {
            Files.writeString(options.report, report);
        }
    }

    private void warmUp() throws InterruptedException {
        System.out.printf("warming up every scenario for %d s%n", options.serverWarmUp.toSeconds());
        for (Scenario scenario : scenarios) {
            if (scenario.http().probe(scenario.path(), headers(scenario.path()), digits) != 200) {
                throw new IllegalStateException(scenario.name() + ": the function did not answer 200 to a probe "
                        + "request");
            }
            scenario.http().run(scenario.path(), headers(scenario.path()), digits, 1, 4, Duration.ZERO,
                    options.serverWarmUp);
        }
    }

    /** The three scenarios, the round's first one moving on by one each round. */
    private void round(int round) throws InterruptedException {
        Map<Scenario, LatencyStats> measured = new LinkedHashMap<>();
        for (int i = 0; i < scenarios.size(); i++) {
            Scenario scenario = scenarios.get((round + i) % scenarios.size());
            measured.put(scenario, measure(scenario));
        }
        compare("routing", scenarios.get(0), scenarios.get(1), measured);
        compare("monitoring and drift", scenarios.get(1), scenarios.get(2), measured);
        compare("routing, monitoring and drift", scenarios.get(0), scenarios.get(2), measured);
    }

    private void compare(String what, Scenario on, Scenario off, Map<Scenario, LatencyStats> measured) {
        ratio(what + ": throughput on / off (%)", 100 * measured.get(on).throughput() / measured.get(off).throughput());
        if (options.serverPid > 0 && options.unwatchedServerPid > 0) {
            ratio(what + ": server CPU per request on / off (%)",
                    100 * serverCpu.get(on.name()).getLast() / serverCpu.get(off.name()).getLast());
        }
    }

    private void ratio(String name, double value) {
        ratios.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        System.out.printf(Locale.ROOT, "    %s: %.1f%n", name, value);
    }

    /** The server's CPU per request counts the scenario's warm-up too, for every scenario alike. */
    private LatencyStats measure(Scenario scenario) throws InterruptedException {
        double cpuBefore = scenario.server().micros();
        LatencyStats stats = scenario.http().run(scenario.path(), headers(scenario.path()), digits, 1,
                options.concurrency, options.warmUp, options.duration);
        double perRequest = cpuBefore < 0 ? Double.NaN : (scenario.server().micros() - cpuBefore)
                / (stats.requests() * (1 + (double) options.warmUp.toMillis() / options.duration.toMillis()));
        results.computeIfAbsent(scenario.name(), k -> new ArrayList<>()).add(stats);
        serverCpu.computeIfAbsent(scenario.name(), k -> new ArrayList<>()).add(perRequest);
        System.out.printf(Locale.ROOT, "  %-70s %9.1f items/s  p50 %7.0f us  p99 %7.0f us  errors %d  server CPU "
                + "%6.1f us/request%n", scenario.name(), stats.throughput(), stats.p50Micros(), stats.p99Micros(),
                stats.errors(), perRequest);
        return stats;
    }

    private static MultiMap headers(String path) {
        MultiMap headers = Payloads.json();
        return path.equals(ROUTED) ? MultiMap.caseInsensitiveMultiMap().addAll(headers).add("X-User", "user-17")
                : headers;
    }

    private String report() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "## Results: median of %d rounds, %d s per scenario after %d s of "
                + "warm-up%n%n", options.rounds.count(), options.duration.toSeconds(), options.warmUp.toSeconds()));
        out.append("| scenario | items/s | p50 (us) | p99 (us) | errors | server CPU per request (us) |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        results.forEach((name, runs) -> out.append(String.format(Locale.ROOT,
                "| %s | %.1f | %.0f | %.0f | %d | %.1f |%n", name, median(runs, LatencyStats::throughput),
                median(runs, LatencyStats::p50Micros), median(runs, LatencyStats::p99Micros),
                runs.stream().mapToLong(LatencyStats::errors).sum(), median(serverCpu.get(name),
                        Double::doubleValue))));
        out.append("\n| ratio | median | every round |\n|---|---:|---|\n");
        ratios.forEach((name, values) -> out.append(String.format(Locale.ROOT, "| %s | %.1f | %s |%n", name,
                median(values, Double::doubleValue),
                String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList()))));
        return out.toString();
    }

    private static <T> double median(List<T> values, ToDoubleFunction<T> metric) {
        double[] sorted = values.stream().mapToDouble(metric).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    @Command(name = "quiver bench routing", showDefaultValues = true, sortOptions = false,
            description = "What routing and monitoring cost: digits over v2 through a model with a routing block of two "
                    + "versions sticky by header and through the same model without routing, on an instance that "
                    + "monitors what it serves, against digits on an instance with monitoring and drift off.")
    static final class Options implements Callable<Integer> {

        @Mixin
        private Rounds rounds;

        @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "6",
                converter = OptionValues.PositiveSeconds.class, description = "How long each scenario is measured.")
        Duration duration;

        @Option(names = "--warm-up", paramLabel = "SECONDS", defaultValue = "2", converter = OptionValues.Seconds.class,
                description = "How long each scenario runs before it is measured.")
        Duration warmUp;

        @Option(names = "--server-warm-up", paramLabel = "SECONDS", defaultValue = "10",
                converter = OptionValues.Seconds.class, description = "How long each path is warmed up before the "
                + "rounds.")
        Duration serverWarmUp;

        @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
                converter = OptionValues.PositiveInteger.class, description = "Clients, each sending back to back.")
        int concurrency;

        @Option(names = "--url", paramLabel = "URL", defaultValue = "http://localhost:18080",
                description = "The function serving digits and digits_routed, monitoring on.")
        URI url;

        @Option(names = "--unwatched-url", paramLabel = "URL", defaultValue = "http://localhost:18081",
                description = "The function serving digits with monitoring, drift and golden sets off.")
        URI unwatchedUrl;

        @Option(names = "--server-pid", paramLabel = "PID", defaultValue = "-1",
                showDefaultValue = CommandLine.Help.Visibility.NEVER, description = "The function's process, whose "
                + "CPU per request is reported; not reported when omitted.")
        long serverPid;

        @Option(names = "--unwatched-server-pid", paramLabel = "PID", defaultValue = "-1",
                showDefaultValue = CommandLine.Help.Visibility.NEVER, description = "The process of the function with "
                + "monitoring off.")
        long unwatchedServerPid;

        @Option(names = "--report", paramLabel = "FILE", description = "Also write the report here (Markdown).")
        Path report;

        @Override
        public Integer call() throws Exception {
            run(this);
            return 0;
        }
    }
}
