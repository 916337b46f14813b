package dev.quiver.loadtests;

import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 *   concurrencies, against ONNX Runtime Java called in-process on the same model and thread budget, and against the
 *   function's JSON decoder alone, in process, on the same request;</li>
 *   <li>the digits model over {@code /v2/models/digits/infer} and {@code /predict}, against the empty {@code ping}
 *   function of the same app;</li>
 *   <li>digits over v2 on a second instance of the function with the prediction log on (in memory), against the
 *   first, which has it off;</li>
 *   <li>where given, the same OCR JSON request to the Knative Functions Node runtime peer ({@code load-tests/node-peer})
 *   and to another build of the function (a baseline), each right after Quiver's JSON scenario of the same
 *   concurrency.</li>
 * </ol>
 * Each round measures every reference right before what is compared with it, and computes the round's ratios; the
 * report gives the median of each figure and of each ratio over the rounds, so that a slow moment of a shared machine
 * moves one round, not the result.
 */
public final class InferenceBenchmark {

    /** The empty function takes any JSON body: Funqy's Knative binding refuses a POST without a JSON body. */
    private static final Buffer EMPTY_OBJECT = Buffer.buffer("{}");
    /** Images in the merged in-process runs: the most the batcher merges with four clients. */
    private static final int MERGED = 4;

    private final Options options;
    private final HttpLoad http;
    private final HttpLoad logged;
    private final HttpLoad peer;
    private final HttpLoad baseline;
    private final RoundResults figures;

    private final float[] image = Payloads.ocrImage();
    private final Buffer ocrJson = Payloads.ocrJson("x", image);
    private final Payloads.BinaryBody ocrBinary = Payloads.ocrBinary("x", image);
    private final Buffer digitsV2 = Payloads.digitsV2(17);
    private final Buffer digitsPredict = Payloads.digitsPredict(17);

    private final ProcessCpu server;
    private final ProcessCpu loggedServer;
    private final ProcessCpu peerServer;
    private final ProcessCpu baselineServer;

    private InferenceBenchmark(Options options, HttpLoad http, HttpLoad logged, HttpLoad peer, HttpLoad baseline) {
        this.options = options;
        this.figures = new RoundResults(options.warmUp, options.duration);
        this.http = http;
        this.logged = logged;
        this.peer = peer;
        this.baseline = baseline;
        this.server = new ProcessCpu(options.serverPid);
        this.loggedServer = new ProcessCpu(options.loggedServerPid);
        this.peerServer = new ProcessCpu(options.peerPid);
        this.baselineServer = new ProcessCpu(options.baselinePid);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    private static void run(Options options) throws Exception {
        String report;
        try (HttpLoad http = new HttpLoad(options.url); HttpLoad logged = new HttpLoad(options.loggedUrl);
             HttpLoad peer = options.peerUrl == null ? null : new HttpLoad(options.peerUrl);
             HttpLoad baseline = options.baselineUrl == null ? null : new HttpLoad(options.baselineUrl)) {
            InferenceBenchmark benchmark = new InferenceBenchmark(options, http, logged, peer, baseline);
            benchmark.probe();
            benchmark.warmUp();
            for (int round = 1; round <= options.rounds.count(); round++) {
                System.out.printf("round %d of %d%n", round, options.rounds.count());
                benchmark.round();
            }
            report = benchmark.report();
            if (options.charts != null && options.parts.contains(Part.OCR)) {
                benchmark.charts(options.charts);
            }
        }
        System.out.println(report);
        if (options.report != null) {
            Files.writeString(options.report, report);
        }
    }

    /** The OCR scenarios' lines, by the name of the line in the charts. */
    private static final Map<String, String> OCR_LINES = Map.of("ocr binary", "Quiver, binary tensors",
            "ocr json", "Quiver, JSON", "node peer json", "Node peer (faas-js-runtime + onnxruntime-node), JSON",
            "baseline ocr json", "baseline build, JSON");
    private static final Pattern OCR_SCENARIO = Pattern.compile("(.+) c=(\\d+)");

    /** Throughput and p50 and p99 latency against concurrency, medians over the rounds, as PNG files in {@code dir}. */
    private void charts(Path dir) throws IOException {
        Map<String, SortedMap<Integer, Double>> throughput = new LinkedHashMap<>();
        Map<String, SortedMap<Integer, Double>> p50 = new LinkedHashMap<>();
        Map<String, SortedMap<Integer, Double>> p99 = new LinkedHashMap<>();
        figures.scenarios().forEach((name, runs) -> {
            Matcher scenario = OCR_SCENARIO.matcher(name);
            if (scenario.matches() && OCR_LINES.containsKey(scenario.group(1))) {
                String line = OCR_LINES.get(scenario.group(1));
                int concurrency = Integer.parseInt(scenario.group(2));
                throughput.computeIfAbsent(line, k -> new TreeMap<>()).put(concurrency,
                        RoundResults.median(runs, LatencyStats::throughput));
                p50.computeIfAbsent(line, k -> new TreeMap<>()).put(concurrency,
                        RoundResults.median(runs, LatencyStats::p50Micros) / 1000);
                p99.computeIfAbsent(line, k -> new TreeMap<>()).put(concurrency,
                        RoundResults.median(runs, LatencyStats::p99Micros) / 1000);
            }
        });
        List<Double> references = new ArrayList<>();
        figures.scenarios().forEach((name, runs) -> {
            if (name.startsWith("in-process") && name.contains("intra-op")) {
                references.add(RoundResults.median(runs, LatencyStats::throughput));
            }
        });
        if (!references.isEmpty()) {
            SortedMap<Integer, Double> reference = new TreeMap<>();
            double best = references.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            throughput.values().forEach(points -> points.keySet().forEach(c -> reference.put(c, best)));
            throughput.put("ONNX Runtime in-process (best layout)", reference);
        }
        List<LatencyStats> single = figures.scenarios().get("in-process, 1 thread, server settings");
        if (single != null) {
            p50.put("ONNX Runtime in-process, one thread", new TreeMap<>(Map.of(1, RoundResults.median(single,
                    LatencyStats::p50Micros) / 1000)));
            p99.put("ONNX Runtime in-process, one thread", new TreeMap<>(Map.of(1, RoundResults.median(single,
                    LatencyStats::p99Micros) / 1000)));
        }
        BenchmarkCharts.lines(dir.resolve("ocr-throughput.png"), "OCR: images per second (median of "
                + options.rounds.count() + " rounds)", "images/s", throughput, false);
        BenchmarkCharts.lines(dir.resolve("ocr-p50.png"), "OCR: median latency", "p50 (ms)", p50, true);
        BenchmarkCharts.lines(dir.resolve("ocr-p99.png"), "OCR: 99th percentile latency", "p99 (ms)", p99, true);
        System.out.println("charts: " + dir);
    }

    private void probe() {
        if (options.parts.contains(Part.OCR)) {
            require(http.probe("/v2/models/ocr/infer", Payloads.json(), ocrJson), "OCR JSON");
            require(http.probe("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body()), "OCR binary");
            if (peer != null) {
                require(peer.probe("/", Payloads.json(), ocrJson), "the Node peer");
            }
            if (baseline != null) {
                require(baseline.probe("/v2/models/ocr/infer", Payloads.json(), ocrJson), "the baseline");
            }
        }
        if (options.parts.contains(Part.DIGITS)) {
            require(http.probe("/v2/models/digits/infer", Payloads.json(), digitsV2), "digits");
            require(http.probe("/predict", Payloads.json(), digitsPredict), "predict");
            require(http.probe("/ping", Payloads.json(), EMPTY_OBJECT), "ping");
            require(logged.probe("/v2/models/digits/infer", Payloads.json(), digitsV2), "digits, prediction log on");
        }
    }

    /** The JIT compiles the server's paths for these payloads only after thousands of requests. */
    private void warmUp() throws InterruptedException {
        System.out.printf("warming up the server for %d s per path%n", options.serverWarmUp.toSeconds());
        Duration time = options.serverWarmUp;
        if (options.parts.contains(Part.OCR)) {
            http.run("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body(), 1, 4, Duration.ZERO, time);
            http.run("/v2/models/ocr/infer", Payloads.json(), ocrJson, 1, 4, Duration.ZERO, time);
            if (peer != null) {
                peer.run("/", Payloads.json(), ocrJson, 1, 4, Duration.ZERO, time);
            }
            if (baseline != null) {
                baseline.run("/v2/models/ocr/infer", Payloads.json(), ocrJson, 1, 4, Duration.ZERO, time);
            }
        }
        if (options.parts.contains(Part.DIGITS)) {
            http.run("/v2/models/digits/infer", Payloads.json(), digitsV2, 1, 4, Duration.ZERO, time);
            http.run("/predict", Payloads.json(), digitsPredict, 1, 4, Duration.ZERO, time);
            http.run("/ping", Payloads.json(), EMPTY_OBJECT, 1, 4, Duration.ZERO, time);
            logged.run("/v2/models/digits/infer", Payloads.json(), digitsV2, 1, 4, Duration.ZERO, time);
        }
    }

    private void round() throws Exception {
        if (options.parts.contains(Part.OCR)) {
            ocrRound();
        }
        if (options.parts.contains(Part.DIGITS)) {
            digitsRound();
        }
    }

    private void ocrRound() throws Exception {
        int cores = options.cores;
        LatencyStats oneThread = measure("in-process, 1 thread x " + cores + " intra-op", () -> inProcess(1, cores));
        LatencyStats perCore = measure("in-process, " + cores + " threads x 1 intra-op", () -> inProcess(cores, 1));
        double reference = Math.max(oneThread.throughput(), perCore.throughput());
        // what merging requests into one run saves per image with the server's threads a run
        LatencyStats alone = measure("in-process, server settings, 1 image a run",
                () -> inProcess(1, options.serverIntraOp, 1));
        LatencyStats merged = measure("in-process, server settings, " + MERGED + " images a run",
                () -> inProcess(1, options.serverIntraOp, MERGED));
        ratio("in-process, server settings: images/s in runs of " + MERGED + " / in runs of 1 (%)",
                100 * merged.throughput() / alone.throughput());
        measure("in-process, JSON data array decoded alone, 1 thread",
                () -> new InProcessDecoder(ocrJson, Payloads.OCR_SHAPE).run(options.warmUp, options.duration));
        for (int concurrency : options.concurrency) {
            if (concurrency == 1) {
                continue;
            }
            Map<String, LatencyStats> byEncoding = new LinkedHashMap<>();
            for (String encoding : List.of("binary", "json")) {
                LatencyStats quiver = measure("ocr " + encoding + " c=" + concurrency, () -> ocr(encoding, concurrency));
                byEncoding.put(encoding, quiver);
                ratio("OCR " + encoding + ", concurrency " + concurrency + ": throughput / in-process (%)",
                        100 * quiver.throughput() / reference);
            }
            jsonPeers(concurrency, byEncoding.get("binary"), byEncoding.get("json"));
        }
        if (Arrays.stream(options.concurrency).noneMatch(concurrency -> concurrency == 1)) {
            return;
        }
        LatencyStats single = measure("in-process, 1 thread, server settings",
                () -> inProcess(1, options.serverIntraOp));
        Map<String, LatencyStats> byEncoding = new LinkedHashMap<>();
        for (String encoding : List.of("binary", "json")) {
            LatencyStats quiver = measure("ocr " + encoding + " c=1", () -> ocr(encoding, 1));
            byEncoding.put(encoding, quiver);
            ratio("OCR " + encoding + ", concurrency 1: median latency added to in-process (us)",
                    quiver.p50Micros() - single.p50Micros());
        }
        jsonPeers(1, byEncoding.get("binary"), byEncoding.get("json"));
    }

    /**
     * JSON against binary on the same function, and the same JSON request to the Node peer and to the baseline build,
     * measured right after Quiver's JSON scenario of the same concurrency.
     */
    private void jsonPeers(int concurrency, LatencyStats binary, LatencyStats json) throws Exception {
        ratio("OCR json / binary, concurrency " + concurrency + ": throughput (%)",
                100 * json.throughput() / binary.throughput());
        if (options.serverPid > 0) {
            ratio("OCR json - binary, concurrency " + concurrency + ": server CPU per image (us)",
                    lastCpu("ocr json c=" + concurrency) - lastCpu("ocr binary c=" + concurrency));
        }
        if (peer != null) {
            LatencyStats node = measure("node peer json c=" + concurrency, peerServer, () -> peer.run("/",
                    Payloads.json(), ocrJson, 1, concurrency, options.warmUp, options.duration));
            ratio("OCR json / Node peer json, concurrency " + concurrency + ": throughput (x)",
                    json.throughput() / node.throughput());
        }
        if (baseline != null) {
            LatencyStats before = measure("baseline ocr json c=" + concurrency, baselineServer, () -> baseline.run(
                    "/v2/models/ocr/infer", Payloads.json(), ocrJson, 1, concurrency, options.warmUp,
                    options.duration));
            ratio("OCR json / baseline json, concurrency " + concurrency + ": throughput (x)",
                    json.throughput() / before.throughput());
        }
    }

    private void digitsRound() throws Exception {
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
        return inProcess(threads, intraOp, 1);
    }

    private LatencyStats inProcess(int threads, int intraOp, int images) throws Exception {
        try (InProcessBaseline baseline = new InProcessBaseline(options.ocrModel, intraOp, Payloads.OCR_SHAPE, image)) {
            return baseline.run(threads, images, options.warmUp, options.duration);
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
        return figures.measure(name, name.startsWith("in-process") ? null : process, scenario);
    }

    private double lastCpu(String name) {
        return figures.lastCpu(name);
    }

    private void ratio(String name, double value) {
        figures.ratio(name, value);
    }

    private String report() {
        return figures.report(options.rounds.count());
    }

    private static void require(int status, String what) {
        if (status != 200 && status != 204) {
            throw new IllegalStateException(what + ": the function answered " + status + " to a probe request");
        }
    }

    /** The parts of the benchmark. */
    enum Part { OCR, DIGITS }

    static final class PartConverter implements CommandLine.ITypeConverter<Part> {
        @Override
        public Part convert(String value) {
            try {
                return Part.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected ocr or digits, got '" + value + "'");
            }
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

        @Option(names = "--parts", paramLabel = "PART", split = ",", defaultValue = "ocr,digits",
                converter = PartConverter.class, description = "What is measured: ocr (the OCR scenarios, with the "
                + "peer and the baseline), digits (digits, /predict, ping and the prediction log).")
        Set<Part> parts;

        @Option(names = "--url", paramLabel = "URL", defaultValue = "http://localhost:18080",
                description = "The inference function.")
        URI url;

        @Option(names = "--peer-url", paramLabel = "URL", description = "The Knative Functions Node runtime peer "
                + "serving the OCR model, which takes the same v2 JSON request at /; not measured when omitted.")
        URI peerUrl;

        @Option(names = "--peer-pid", paramLabel = "PID", defaultValue = "-1", showDefaultValue = Visibility.NEVER,
                description = "The peer's process, whose CPU per request is reported.")
        long peerPid;

        @Option(names = "--baseline-url", paramLabel = "URL", description = "Another build of the inference function "
                + "with the OCR model, measured with the same JSON request; not measured when omitted.")
        URI baselineUrl;

        @Option(names = "--baseline-pid", paramLabel = "PID", defaultValue = "-1", showDefaultValue = Visibility.NEVER,
                description = "The baseline's process, whose CPU per request is reported.")
        long baselinePid;

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

        @Option(names = "--charts", paramLabel = "DIR", description = "Where the OCR scenarios' charts are drawn "
                + "(throughput, p50 and p99 against concurrency, PNG); none when omitted.")
        Path charts;

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
