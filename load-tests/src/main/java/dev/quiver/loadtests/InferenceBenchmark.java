package dev.quiver.loadtests;

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
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Side-by-side benchmark of the inference function, in one run on one machine:
 * <ol>
 *   <li>the PaddleOCR text-direction CNN over {@code /v2/models/ocr/infer} (binary and JSON tensors) at several
 *   concurrencies, against ONNX Runtime Java called in-process on the same model and thread budget;</li>
 *   <li>the digits model over {@code /v2/models/digits/infer} and {@code /predict}, against the empty {@code ping}
 *   function of the same app;</li>
 *   <li>digits over v2 on a second instance of the function with the prediction log on (in memory), against the
 *   first, which has it off.</li>
 * </ol>
 * Each round measures every reference right before what is compared with it, and computes the round's ratios; the
 * report gives the median of each figure and of each ratio over the rounds, so that a slow moment of a shared machine
 * moves one round, not the result.
 */
public final class InferenceBenchmark {

    /** The empty function takes any JSON body: Funqy's Knative binding refuses a POST without a JSON body. */
    private static final Buffer EMPTY_OBJECT = Buffer.buffer("{}");

    private final Options options;
    private final HttpLoad http;
    private final HttpLoad logged;
    private final Map<String, List<LatencyStats>> results = new LinkedHashMap<>();
    private final Map<String, List<Double>> steal = new LinkedHashMap<>();
    private final Map<String, List<Double>> serverCpu = new LinkedHashMap<>();
    private final Map<String, List<Double>> ratios = new LinkedHashMap<>();

    private final float[] image = Payloads.ocrImage();
    private final Buffer ocrJson = Payloads.ocrJson("x", image);
    private final Payloads.BinaryBody ocrBinary = Payloads.ocrBinary("x", image);
    private final Buffer digitsV2 = Payloads.digitsV2(17);
    private final Buffer digitsPredict = Payloads.digitsPredict(17);

    private final ProcessCpu server;
    private final ProcessCpu loggedServer;

    private InferenceBenchmark(Options options, HttpLoad http, HttpLoad logged) {
        this.options = options;
        this.http = http;
        this.logged = logged;
        this.server = new ProcessCpu(options.serverPid);
        this.loggedServer = new ProcessCpu(options.loggedServerPid);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    private static void run(Options options) throws Exception {
        String report;
        try (HttpLoad http = new HttpLoad(options.url); HttpLoad logged = new HttpLoad(options.loggedUrl)) {
            InferenceBenchmark benchmark = new InferenceBenchmark(options, http, logged);
            benchmark.probe();
            benchmark.warmUp();
            for (int round = 1; round <= options.rounds.count(); round++) {
                System.out.printf("round %d of %d%n", round, options.rounds.count());
                benchmark.round();
            }
            report = benchmark.report();
        }
        System.out.println(report);
        if (options.report != null) {
            Files.writeString(options.report, report);
        }
    }

    private void probe() {
        require(http.probe("/v2/models/ocr/infer", Payloads.json(), ocrJson), "OCR JSON");
        require(http.probe("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body()), "OCR binary");
        require(http.probe("/v2/models/digits/infer", Payloads.json(), digitsV2), "digits");
        require(http.probe("/predict", Payloads.json(), digitsPredict), "predict");
        require(http.probe("/ping", Payloads.json(), EMPTY_OBJECT), "ping");
        require(logged.probe("/v2/models/digits/infer", Payloads.json(), digitsV2), "digits, prediction log on");
    }

    /** The JIT compiles the server's paths for these payloads only after thousands of requests. */
    private void warmUp() throws InterruptedException {
        System.out.printf("warming up the server for %d s per path%n", options.serverWarmUp.toSeconds());
        Duration time = options.serverWarmUp;
        http.run("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body(), 1, 4, Duration.ZERO, time);
        http.run("/v2/models/ocr/infer", Payloads.json(), ocrJson, 1, 4, Duration.ZERO, time);
        http.run("/v2/models/digits/infer", Payloads.json(), digitsV2, 1, 4, Duration.ZERO, time);
        http.run("/predict", Payloads.json(), digitsPredict, 1, 4, Duration.ZERO, time);
        http.run("/ping", Payloads.json(), EMPTY_OBJECT, 1, 4, Duration.ZERO, time);
        logged.run("/v2/models/digits/infer", Payloads.json(), digitsV2, 1, 4, Duration.ZERO, time);
    }

    private void round() throws Exception {
        int cores = options.cores;
        LatencyStats oneThread = measure("in-process, 1 thread x " + cores + " intra-op", () -> inProcess(1, cores));
        LatencyStats perCore = measure("in-process, " + cores + " threads x 1 intra-op", () -> inProcess(cores, 1));
        double reference = Math.max(oneThread.throughput(), perCore.throughput());
        for (int concurrency : options.concurrency) {
            if (concurrency == 1) {
                continue;
            }
            for (String encoding : List.of("binary", "json")) {
                LatencyStats quiver = measure("ocr " + encoding + " c=" + concurrency, () -> ocr(encoding, concurrency));
                ratio("OCR " + encoding + ", concurrency " + concurrency + ": throughput / in-process (%)",
                        100 * quiver.throughput() / reference);
            }
        }
        LatencyStats single = measure("in-process, 1 thread, server settings",
                () -> inProcess(1, options.serverIntraOp));
        for (String encoding : List.of("binary", "json")) {
            LatencyStats quiver = measure("ocr " + encoding + " c=1", () -> ocr(encoding, 1));
            ratio("OCR " + encoding + ", concurrency 1: median latency added to in-process (us)",
                    quiver.p50Micros() - single.p50Micros());
        }
        for (int concurrency : new int[] {1, 16}) {
            String ping = "ping c=" + concurrency;
            LatencyStats empty = measure(ping, () -> http.run("/ping", Payloads.json(),
                    EMPTY_OBJECT, 1, concurrency, options.warmUp, options.duration));
            LatencyStats v2 = measure("digits v2 c=" + concurrency, () -> http.run("/v2/models/digits/infer",
                    Payloads.json(), digitsV2, 1, concurrency, options.warmUp, options.duration));
            LatencyStats predict = measure("digits predict c=" + concurrency, () -> http.run("/predict",
                    Payloads.json(), digitsPredict, 1, concurrency, options.warmUp, options.duration));
            LatencyStats withLog = measure("digits v2, prediction log on, c=" + concurrency, loggedServer,
                    () -> logged.run("/v2/models/digits/infer", Payloads.json(), digitsV2, 1, concurrency,
                            options.warmUp, options.duration));
            ratio("digits v2, concurrency " + concurrency + ": throughput with the prediction log / without (%)",
                    100 * withLog.throughput() / v2.throughput());
            ratio("digits v2, concurrency " + concurrency + ": throughput / empty function (%)",
                    100 * v2.throughput() / empty.throughput());
            ratio("digits predict, concurrency " + concurrency + ": throughput / empty function (%)",
                    100 * predict.throughput() / empty.throughput());
            if (options.serverPid > 0) {
                ratio("digits v2, concurrency " + concurrency + ": empty function's server CPU / request's (%)",
                        100 * lastCpu(ping) / lastCpu("digits v2 c=" + concurrency));
                ratio("digits predict, concurrency " + concurrency + ": empty function's server CPU / request's (%)",
                        100 * lastCpu(ping) / lastCpu("digits predict c=" + concurrency));
            }
        }
    }

    private LatencyStats inProcess(int threads, int intraOp) throws Exception {
        try (InProcessBaseline baseline = new InProcessBaseline(options.ocrModel, intraOp, Payloads.OCR_SHAPE, image)) {
            return baseline.run(threads, options.warmUp, options.duration);
        }
    }

    private LatencyStats ocr(String encoding, int concurrency) throws InterruptedException {
        return encoding.equals("binary")
                ? http.run("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body(), 1, concurrency,
                        options.warmUp, options.duration)
                : http.run("/v2/models/ocr/infer", Payloads.json(), ocrJson, 1, concurrency, options.warmUp,
                        options.duration);
    }

    /**
     * Runs one scenario; for HTTP scenarios also records the server's CPU per request. The scenario's own warm-up is
     * inside the CPU window, so the figure slightly overstates the cost per measured request, the same for all.
     */
    private LatencyStats measure(String name, Callable<LatencyStats> scenario) throws Exception {
        return measure(name, server, scenario);
    }

    private LatencyStats measure(String name, ProcessCpu process, Callable<LatencyStats> scenario) throws Exception {
        CpuTime before = CpuTime.now();
        double cpuBefore = process.micros();
        LatencyStats stats = scenario.call();
        double cpuUsed = process.micros() - cpuBefore;
        double stolen = CpuTime.now().stealPercentSince(before);
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(stats);
        steal.computeIfAbsent(name, k -> new ArrayList<>()).add(stolen);
        double perRequest = name.startsWith("in-process") || cpuBefore < 0 ? Double.NaN
                : cpuUsed / (stats.requests() * (1 + (double) options.warmUp.toMillis() / options.duration.toMillis()));
        serverCpu.computeIfAbsent(name, k -> new ArrayList<>()).add(perRequest);
        System.out.printf(Locale.ROOT, "  %-44s %9.1f items/s  p50 %7.0f us  p99 %7.0f us  errors %d  steal %4.1f%%"
                + "  server CPU %6.1f us/request%n", name, stats.throughput(), stats.p50Micros(), stats.p99Micros(),
                stats.errors(), stolen, perRequest);
        return stats;
    }

    private double lastCpu(String name) {
        return serverCpu.get(name).getLast();
    }

    private void ratio(String name, double value) {
        ratios.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        System.out.printf(Locale.ROOT, "    %s: %.1f%n", name, value);
    }

    private String report() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "## Results: median of %d rounds, %d s per scenario after %d s of warm-up%n%n",
                options.rounds.count(), options.duration.toSeconds(), options.warmUp.toSeconds()));
        out.append("| scenario | items/s | p50 (us) | p90 (us) | p99 (us) | errors | CPU steal (%) "
                + "| server CPU per request (us) |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        results.forEach((name, runs) -> out.append(String.format(Locale.ROOT,
                "| %s | %.1f | %.0f | %.0f | %.0f | %d | %.1f | %s |%n", name,
                median(runs, LatencyStats::throughput), median(runs, LatencyStats::p50Micros),
                median(runs, LatencyStats::p90Micros), median(runs, LatencyStats::p99Micros),
                runs.stream().mapToLong(LatencyStats::errors).sum(), median(steal.get(name), Double::doubleValue),
                name.startsWith("in-process") ? "" : String.format(Locale.ROOT, "%.1f",
                        median(serverCpu.get(name), Double::doubleValue)))));
        out.append("\n## Ratios: median over the rounds of each round's ratio\n\n");
        out.append("| ratio | median | every round |\n|---|---:|---|\n");
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

    private static void require(int status, String what) {
        if (status != 200 && status != 204) {
            throw new IllegalStateException(what + ": the function answered " + status + " to a probe request");
        }
    }

    @Command(name = "quiver bench", showDefaultValues = true, sortOptions = false,
            description = "Side-by-side benchmark of the inference function: the OCR model over HTTP against ONNX "
                    + "Runtime in-process, digits against the empty function, and the prediction log's cost.")
    static final class Options implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private Rounds rounds;

        @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "6",
                converter = OptionValues.PositiveSeconds.class, description = "How long each scenario is measured.")
        Duration duration;

        @Option(names = "--warm-up", paramLabel = "SECONDS", defaultValue = "2", converter = OptionValues.Seconds.class,
                description = "How long each scenario runs before it is measured.")
        Duration warmUp;

        @Option(names = "--server-warm-up", paramLabel = "SECONDS", defaultValue = "15",
                converter = OptionValues.Seconds.class, description = "How long each path is warmed up before the "
                + "rounds, so that the JIT has compiled the server's code.")
        Duration serverWarmUp;

        @Option(names = "--concurrency", paramLabel = "N", split = ",", defaultValue = "1,4,16",
                converter = OptionValues.PositiveInteger.class, description = "The OCR scenarios' client counts.")
        int[] concurrency;

        @Option(names = "--url", paramLabel = "URL", defaultValue = "http://localhost:18080",
                description = "The inference function.")
        URI url;

        @Option(names = "--logged-url", paramLabel = "URL", defaultValue = "http://localhost:18081",
                description = "The inference function with the prediction log on.")
        URI loggedUrl;

        @Option(names = "--ocr-model", required = true, paramLabel = "FILE",
                description = "The OCR model file, for the in-process reference.")
        Path ocrModel;

        @Option(names = "--cores", paramLabel = "N", defaultValue = "2", converter = OptionValues.PositiveInteger.class,
                description = "The machine's cores: the in-process reference's threads.")
        int cores;

        @Option(names = "--server-intra-op", paramLabel = "N", defaultValue = "1",
                converter = OptionValues.PositiveInteger.class,
                description = "The server's intra-op threads per ONNX Runtime run, for the latency reference.")
        int serverIntraOp;

        @Option(names = "--server-pid", paramLabel = "PID", defaultValue = "-1", showDefaultValue = Visibility.NEVER,
                description = "The function's process, whose CPU per request is reported; not reported when "
                        + "omitted.")
        long serverPid;

        @Option(names = "--logged-server-pid", paramLabel = "PID", defaultValue = "-1",
                showDefaultValue = Visibility.NEVER, description = "The process of the function with the prediction "
                + "log on.")
        long loggedServerPid;

        @Option(names = "--report", paramLabel = "FILE", description = "Where the report is written, besides the "
                + "standard output.")
        Path report;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(ocrModel)) {
                throw new ParameterException(spec.commandLine(), "--ocr-model must name the OCR model file, got "
                        + ocrModel);
            }
            run(this);
            return 0;
        }
    }
}
