package dev.quiver.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Side-by-side benchmark of the inference function, in one run on one machine:
 * <ol>
 *   <li>the PaddleOCR text-direction CNN over {@code /v2/models/ocr/infer} (JSON and binary tensors) at several
 *   concurrencies, against ONNX Runtime Java called in-process on the same model and thread budget;</li>
 *   <li>the digits model over {@code /v2/models/digits/infer} and {@code /predict}, against the empty {@code ping}
 *   function of the same app.</li>
 * </ol>
 * Every figure is the median over the rounds; rounds interleave the reference and Quiver so that drift in the machine
 * affects both.
 */
public final class InferenceBenchmark {

    private InferenceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        float[] image = Payloads.ocrImage();
        Map<String, List<LatencyStats>> results = new LinkedHashMap<>();
        Buffer ocrJson = Payloads.ocrJson("x", image);
        Payloads.BinaryBody ocrBinary = Payloads.ocrBinary("x", image);
        Buffer digitsV2 = Payloads.digitsV2(17);
        Buffer digitsPredict = Payloads.digitsPredict(17);

        try (HttpLoad http = new HttpLoad(options.url)) {
            require(http.probe("/v2/models/ocr/infer", Payloads.json(), ocrJson), "OCR JSON");
            require(http.probe("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body()), "OCR binary");
            require(http.probe("/v2/models/digits/infer", Payloads.json(), digitsV2), "digits");
            require(http.probe("/predict", Payloads.json(), digitsPredict), "predict");
            require(http.probe("/ping", Payloads.json(), Buffer.buffer()), "ping");

            // the JIT compiles the server's paths for these payloads only after thousands of requests; measuring
            // before that reports the interpreter, not the function
            System.out.printf("warming up the server for %d s per path%n", options.serverWarmUp.toSeconds());
            http.run("/v2/models/ocr/infer", ocrBinary.headers(), ocrBinary.body(), 1, 4, Duration.ZERO,
                    options.serverWarmUp);
            http.run("/v2/models/ocr/infer", Payloads.json(), ocrJson, 1, 4, Duration.ZERO, options.serverWarmUp);
            http.run("/v2/models/digits/infer", Payloads.json(), digitsV2, 1, 4, Duration.ZERO, options.serverWarmUp);
            http.run("/predict", Payloads.json(), digitsPredict, 1, 4, Duration.ZERO, options.serverWarmUp);
            http.run("/ping", MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(), 1, 4, Duration.ZERO,
                    options.serverWarmUp);

            for (int round = 1; round <= options.rounds; round++) {
                System.out.printf("round %d of %d%n", round, options.rounds);
                for (int threads : new int[] {1, 2}) {
                    int intraOp = options.cores / threads;
                    try (InProcessBaseline baseline = new InProcessBaseline(options.ocrModel, intraOp,
                            Payloads.OCR_SHAPE, image)) {
                        record(results, "in-process, " + threads + " thread(s) x " + intraOp + " intra-op",
                                baseline.run(threads, options.warmUp, options.duration));
                    }
                }
                try (InProcessBaseline serverLike = new InProcessBaseline(options.ocrModel, options.serverIntraOp,
                        Payloads.OCR_SHAPE, image)) {
                    record(results, "in-process, 1 thread, server settings",
                            serverLike.run(1, options.warmUp, options.duration));
                }
                for (int concurrency : options.concurrency) {
                    record(results, "ocr binary c=" + concurrency, http.run("/v2/models/ocr/infer",
                            ocrBinary.headers(), ocrBinary.body(), 1, concurrency, options.warmUp, options.duration));
                    record(results, "ocr json c=" + concurrency, http.run("/v2/models/ocr/infer",
                            Payloads.json(), ocrJson, 1, concurrency, options.warmUp, options.duration));
                }
                for (int concurrency : new int[] {1, 16}) {
                    record(results, "ping c=" + concurrency, http.run("/ping", MultiMap.caseInsensitiveMultiMap(),
                            Buffer.buffer(), 1, concurrency, options.warmUp, options.duration));
                    record(results, "digits v2 c=" + concurrency, http.run("/v2/models/digits/infer",
                            Payloads.json(), digitsV2, 1, concurrency, options.warmUp, options.duration));
                    record(results, "digits predict c=" + concurrency, http.run("/predict", Payloads.json(),
                            digitsPredict, 1, concurrency, options.warmUp, options.duration));
                }
            }
        }
        String report = report(results, options);
        System.out.println(report);
        if (options.report != null) {
            Files.writeString(options.report, report);
        }
    }

    private static void record(Map<String, List<LatencyStats>> results, String name, LatencyStats stats) {
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(stats);
        System.out.printf(Locale.ROOT, "  %-48s %9.1f items/s  p50 %8.0f us  p99 %8.0f us  errors %d%n", name,
                stats.throughput(), stats.p50Micros(), stats.p99Micros(), stats.errors());
    }

    private static String report(Map<String, List<LatencyStats>> results, Options options) {
        StringBuilder out = new StringBuilder();
        out.append("## Results (median of ").append(options.rounds).append(" rounds, ")
                .append(options.duration.toSeconds()).append(" s each after ").append(options.warmUp.toSeconds())
                .append(" s warm-up)\n\n");
        out.append("| scenario | items/s | p50 (us) | p90 (us) | p99 (us) | errors |\n");
        out.append("|---|---:|---:|---:|---:|---:|\n");
        results.forEach((name, runs) -> out.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f | %.0f | %.0f | %d |%n",
                name, median(runs, LatencyStats::throughput), median(runs, LatencyStats::p50Micros),
                median(runs, LatencyStats::p90Micros), median(runs, LatencyStats::p99Micros),
                runs.stream().mapToLong(LatencyStats::errors).sum())));

        double reference = Math.max(median(results.get("in-process, 1 thread(s) x " + options.cores + " intra-op"),
                LatencyStats::throughput), median(results.get("in-process, 2 thread(s) x " + options.cores / 2
                + " intra-op"), LatencyStats::throughput));
        out.append("\n## Ratios\n\n");
        out.append(String.format(Locale.ROOT, "- in-process reference (best of the two thread layouts): %.1f images/s%n",
                reference));
        for (int concurrency : options.concurrency) {
            for (String encoding : List.of("binary", "json")) {
                double quiver = median(results.get("ocr " + encoding + " c=" + concurrency), LatencyStats::throughput);
                out.append(String.format(Locale.ROOT, "- OCR %s, concurrency %d: %.1f images/s = %.1f%% of in-process%n",
                        encoding, concurrency, quiver, 100 * quiver / reference));
            }
        }
        double inProcessP50 = median(results.get("in-process, 1 thread, server settings"), LatencyStats::p50Micros);
        for (String encoding : List.of("binary", "json")) {
            double httpP50 = median(results.get("ocr " + encoding + " c=1"), LatencyStats::p50Micros);
            out.append(String.format(Locale.ROOT, "- OCR %s, concurrency 1: median latency %.0f us against %.0f us "
                    + "in-process: %.0f us added%n", encoding, httpP50, inProcessP50, httpP50 - inProcessP50));
        }
        for (int concurrency : new int[] {1, 16}) {
            double ping = median(results.get("ping c=" + concurrency), LatencyStats::throughput);
            for (String scenario : List.of("digits v2", "digits predict")) {
                double digits = median(results.get(scenario + " c=" + concurrency), LatencyStats::throughput);
                out.append(String.format(Locale.ROOT, "- %s, concurrency %d: %.1f requests/s = %.1f%% of the empty "
                        + "function's %.1f%n", scenario, concurrency, digits, 100 * digits / ping, ping));
            }
        }
        return out.toString();
    }

    private static double median(List<LatencyStats> runs, java.util.function.ToDoubleFunction<LatencyStats> metric) {
        double[] values = runs.stream().mapToDouble(metric).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private static void require(int status, String what) {
        if (status != 200 && status != 204) {
            throw new IllegalStateException(what + ": the function answered " + status + " to a probe request");
        }
    }

    private record Options(URI url, Path ocrModel, Duration serverWarmUp, Duration warmUp, Duration duration,
                           int rounds, int[] concurrency, int cores, int serverIntraOp, Path report) {

        static Options parse(String[] args) throws IOException {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                values.put(args[i], args[i + 1]);
            }
            Path model = Path.of(required(values, "--ocr-model"));
            if (!Files.isRegularFile(model)) {
                throw new IOException("--ocr-model " + model + " is not a file");
            }
            return new Options(
                    URI.create(values.getOrDefault("--url", "http://localhost:18080")),
                    model,
                    Duration.ofSeconds(Long.parseLong(values.getOrDefault("--server-warm-up", "15"))),
                    Duration.ofSeconds(Long.parseLong(values.getOrDefault("--warm-up", "3"))),
                    Duration.ofSeconds(Long.parseLong(values.getOrDefault("--duration", "10"))),
                    Integer.parseInt(values.getOrDefault("--rounds", "3")),
                    Arrays.stream(values.getOrDefault("--concurrency", "1,4,16").split(","))
                            .mapToInt(Integer::parseInt).toArray(),
                    Integer.parseInt(values.getOrDefault("--cores", "2")),
                    Integer.parseInt(values.getOrDefault("--server-intra-op", "2")),
                    values.containsKey("--report") ? Path.of(values.get("--report")) : null);
        }

        private static String required(Map<String, String> values, String name) {
            String value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException(name + " is required");
            }
            return value;
        }
    }
}
