package dev.quiver.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What routing and monitoring cost on the digits path, on two instances of the function started side by side: one
 * watching what it serves (prediction statistics, feature drift against the version's training baseline, scheduled
 * golden sets: the defaults; digits takes no labels, so its answers are not kept for them), one with all of that off. On the watching instance,
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
    private final RoundResults figures;
    private final List<Scenario> scenarios;
    private final Buffer digits = Payloads.digitsV2(17);

    /** One path of one instance, measured as one scenario. */
    private record Scenario(String name, HttpLoad http, ProcessCpu server, String path) {
    }

    private RoutingBenchmark(Options options, HttpLoad watched, HttpLoad unwatched) {
        this.options = options;
        this.figures = new RoundResults(options.load.warmUp, options.load.duration);
        String name = "digits v2 c=" + options.load.concurrency;
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
        System.out.printf("warming up every scenario for %d s%n", options.load.serverWarmUp.toSeconds());
        for (Scenario scenario : scenarios) {
            if (scenario.http().probe(scenario.path(), headers(scenario.path()), digits) != 200) {
                throw new IllegalStateException(scenario.name() + ": the function did not answer 200 to a probe "
                        + "request");
            }
            scenario.http().run(scenario.path(), headers(scenario.path()), digits, 1, 4, Duration.ZERO,
                    options.load.serverWarmUp);
        }
    }

    /** The three scenarios, the round's first one moving on by one each round. */
    private void round(int round) throws Exception {
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
        figures.ratio(what + ": throughput on / off (%)",
                100 * measured.get(on).throughput() / measured.get(off).throughput());
        if (options.serverPid > 0 && options.unwatchedServerPid > 0) {
            figures.ratio(what + ": server CPU per request on / off (%)",
                    100 * figures.lastCpu(on.name()) / figures.lastCpu(off.name()));
        }
    }

    private LatencyStats measure(Scenario scenario) throws Exception {
        return figures.measure(scenario.name(), scenario.server(), () -> scenario.http().run(scenario.path(),
                headers(scenario.path()), digits, 1, options.load.concurrency, options.load.warmUp, options.load.duration));
    }

    private static MultiMap headers(String path) {
        MultiMap headers = Payloads.json();
        return path.equals(ROUTED) ? MultiMap.caseInsensitiveMultiMap().addAll(headers).add("X-User", "user-17")
                : headers;
    }

    private String report() {
        return figures.report(options.rounds.count());
    }

    @Command(name = "quiver bench routing", showDefaultValues = true, sortOptions = false,
            description = "What routing and monitoring cost: digits over v2 through a model with a routing block of two "
                    + "versions sticky by header and through the same model without routing, on an instance that "
                    + "monitors what it serves, against digits on an instance with monitoring and drift off.")
    static final class Options implements Callable<Integer> {

        @Mixin
        private Rounds rounds;

        @Mixin
        ClientLoad load;

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
