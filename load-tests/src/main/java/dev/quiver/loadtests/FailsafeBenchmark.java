package dev.quiver.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What serving that fails safe costs: the digits model over {@code /v2/models/digits/infer} and the OCR model over
 * {@code /v2/models/ocr/infer} (binary tensors), each on two instances of the function started side by side, one with
 * the output checks and request deadlines on (the defaults), one with both off. Each round measures the two instances
 * one right after the other, in alternating order, and computes the round's ratios of throughput and of the servers'
 * CPU per request (which moves less than throughput when other tenants of a shared machine take the CPU), then
 * measures in process what the checked path adds to a request's CPU ({@link CheckedPathCost}) on each model's answer;
 * the report gives the medians, and that addition as a share of what a whole request costs the server.
 */
public final class FailsafeBenchmark {

    private final Options options;
    private final HttpLoad checked;
    private final HttpLoad unchecked;
    private final RoundResults figures;
    private final ProcessCpu checkedServer;
    private final ProcessCpu uncheckedServer;
    private final Buffer digits = Payloads.digitsV2(17);
    private final Payloads.BinaryBody ocr = Payloads.ocrBinary("x", Payloads.ocrImage());
    private final CheckedPathCost pathCost;
    private final Map<String, CheckedPathCost.Answer> answers = new LinkedHashMap<>();
    private final Map<String, List<Double>> addedNanos = new LinkedHashMap<>();

    private FailsafeBenchmark(Options options, HttpLoad checked, HttpLoad unchecked) {
        this.options = options;
        this.figures = new RoundResults(options.load.warmUp, options.load.duration);
        this.checked = checked;
        this.unchecked = unchecked;
        this.checkedServer = new ProcessCpu(options.serverPid);
        this.uncheckedServer = new ProcessCpu(options.uncheckedServerPid);
        this.pathCost = new CheckedPathCost(options.load.concurrency, options.inProcessRequests);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    private static void run(Options options) throws Exception {
        String report;
        try (HttpLoad checked = new HttpLoad(options.url); HttpLoad unchecked = new HttpLoad(options.uncheckedUrl)) {
            FailsafeBenchmark benchmark = new FailsafeBenchmark(options, checked, unchecked);
            benchmark.warmUp();
            for (int round = 1; round <= options.rounds.count(); round++) {
                System.out.printf("round %d of %d%n", round, options.rounds.count());
                benchmark.round(round % 2 == 0);
            }
            report = benchmark.report();
        }
        System.out.println(report);
        if (options.report != null) {
            Files.writeString(options.report, report);
        }
    }

    private void warmUp() throws InterruptedException, IOException {
        System.out.printf("warming up both instances for %d s per path%n", options.load.serverWarmUp.toSeconds());
        for (HttpLoad http : List.of(checked, unchecked)) {
            for (String path : List.of("/v2/models/digits/infer", "/v2/models/ocr/infer")) {
                if (http.probe(path, headers(path), body(path)) != 200) {
                    throw new IllegalStateException(path + ": the function did not answer 200 to a probe request");
                }
                http.run(path, headers(path), body(path), 1, 4, Duration.ZERO, options.load.serverWarmUp);
            }
        }
        for (String model : List.of("digits", "ocr")) {
            ModelOutput output = ModelOutput.of(options.url, model);
            answers.put(model, CheckedPathCost.Answer.ofFloats(output.name(), output.elements()));
            pathCost.nanosPerRequest(answers.get(model), true);
            pathCost.nanosPerRequest(answers.get(model), false);
        }
    }

    private void round(boolean uncheckedFirst) throws Exception {
        for (String path : List.of("/v2/models/digits/infer", "/v2/models/ocr/infer")) {
            String name = (path.contains("digits") ? "digits v2" : "ocr binary") + " c=" + options.load.concurrency;
            LatencyStats on;
            LatencyStats off;
            String onName = name + ", checks and deadlines on";
            String offName = name + ", checks and deadlines off";
            if (uncheckedFirst) {
                off = measure(offName, unchecked, uncheckedServer, path);
                on = measure(onName, checked, checkedServer, path);
            } else {
                on = measure(onName, checked, checkedServer, path);
                off = measure(offName, unchecked, uncheckedServer, path);
            }
            figures.ratio(name + ": throughput on / off (%)", 100 * on.throughput() / off.throughput());
            if (options.serverPid > 0 && options.uncheckedServerPid > 0) {
                figures.ratio(name + ": server CPU per request on / off (%)",
                        100 * figures.lastCpu(onName) / figures.lastCpu(offName));
            }
        }
        for (Map.Entry<String, CheckedPathCost.Answer> answer : answers.entrySet()) {
            double on;
            double off;
            if (uncheckedFirst) {
                off = pathCost.nanosPerRequest(answer.getValue(), false);
                on = pathCost.nanosPerRequest(answer.getValue(), true);
            } else {
                on = pathCost.nanosPerRequest(answer.getValue(), true);
                off = pathCost.nanosPerRequest(answer.getValue(), false);
            }
            addedNanos.computeIfAbsent(answer.getKey(), k -> new ArrayList<>()).add(on - off);
            System.out.printf(Locale.ROOT, "  in process, %s's answer: the checked path adds %.0f ns of CPU per "
                    + "request (%.0f on, %.0f off)%n", answer.getKey(), on - off, on, off);
        }
    }

    private LatencyStats measure(String name, HttpLoad http, ProcessCpu server, String path) throws Exception {
        return figures.measure(name, server, () -> http.run(path, headers(path), body(path), 1, options.load.concurrency,
                options.load.warmUp, options.load.duration));
    }

    private MultiMap headers(String path) {
        return path.contains("ocr") ? ocr.headers() : Payloads.json();
    }

    private Buffer body(String path) {
        return path.contains("ocr") ? ocr.body() : digits;
    }

    private String report() {
        StringBuilder out = new StringBuilder(figures.report(options.rounds.count()));
        out.append(String.format(Locale.ROOT, "%n## What the checked path adds, in process (%d threads, %d requests "
                + "each per measurement)%n%n| model's answer | CPU added per request (ns), median | every round | "
                + "share of a whole request's server CPU with them off (%%) |%n|---|---:|---|---:|%n",
                options.load.concurrency, options.inProcessRequests));
        addedNanos.forEach((model, values) -> {
            String offScenario = (model.equals("digits") ? "digits v2" : "ocr binary") + " c=" + options.load.concurrency
                    + ", checks and deadlines off";
            double added = RoundResults.median(values, Double::doubleValue);
            double wholeNanos = 1000 * figures.medianCpu(offScenario);
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s |%n", model, added,
                    String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList()),
                    Double.isFinite(wholeNanos) && wholeNanos > 0
                            ? String.format(Locale.ROOT, "%.2f", 100 * added / wholeNanos) : "n/a (no server pid)"));
        });
        return out.toString();
    }

    @Command(name = "quiver bench failsafe", showDefaultValues = true, sortOptions = false,
            description = "What the output checks and request deadlines cost: digits and OCR over v2 on an instance "
                    + "with them on against one with them off.")
    static final class Options implements Callable<Integer> {

        @Mixin
        private Rounds rounds;

        @Mixin
        ClientLoad load;

        @Option(names = "--url", paramLabel = "URL", defaultValue = "http://localhost:18080",
                description = "The function with output checks and deadlines on.")
        URI url;

        @Option(names = "--unchecked-url", paramLabel = "URL", defaultValue = "http://localhost:18081",
                description = "The function with output checks and deadlines off.")
        URI uncheckedUrl;

        @Option(names = "--server-pid", paramLabel = "PID", defaultValue = "-1",
                showDefaultValue = CommandLine.Help.Visibility.NEVER, description = "The process of the function with "
                + "checks and deadlines on, whose CPU per request is reported; not reported when omitted.")
        long serverPid;

        @Option(names = "--unchecked-server-pid", paramLabel = "PID", defaultValue = "-1",
                showDefaultValue = CommandLine.Help.Visibility.NEVER, description = "The process of the function with "
                + "them off.")
        long uncheckedServerPid;

        @Option(names = "--in-process-requests", paramLabel = "N", defaultValue = "500000",
                converter = OptionValues.PositiveInteger.class, description = "Requests per thread in each in-process "
                + "measurement of what the checked path adds.")
        int inProcessRequests;

        @Option(names = "--report", paramLabel = "FILE", description = "Where the report is written, besides the "
                + "standard output.")
        Path report;

        @Override
        public Integer call() throws Exception {
            run(this);
            return 0;
        }
    }
}
