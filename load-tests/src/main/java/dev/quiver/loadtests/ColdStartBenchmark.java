package dev.quiver.loadtests;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Cold starts of the packaged inference function side by side: the plain JVM build, the build with the JDK's AOT
 * cache and, where it is installed, the Knative Functions Node runtime (faas-js-runtime with onnxruntime-node, in
 * {@code load-tests/node-peer}) serving the same model and the same v2 JSON request. Every round starts each build
 * once for each model, interleaved, with the same model repository and JVM options. For each start it measures the
 * wall time from spawning the process to the first 200 of a real v2 prediction (the request is sent again every few
 * milliseconds until one succeeds, as Knative's activator holds a request until the replica answers), then the time
 * the next predictions take one after another (the warm-up a caller sees after the start), leaves the function idle,
 * reads its resident memory (VmRSS) and the startup phases the inference function itself exposes. The report gives
 * medians, each round's ratio to the first build and, with the peer, each round's ratio to the peer.
 *
 * <pre>java -cp quiver-load-tests.jar dev.quiver.loadtests.ColdStartBenchmark --build jvm=DIR --build aot=DIR
 *   --model digits=DIR [--model ocr=DIR] [--node-peer DIR] [--rounds 5] [--port 18190] [--idle 10]
 *   [--warm-up 2000] [--jvm-options "..."] [--options NAME="..."] [--output FILE]</pre>
 *
 * {@code --jvm-options} are every build's; {@code --options} gives one build its own instead, so that JVM options can
 * be compared side by side on one build (several names for the same directory).
 * A build directory holds {@code quarkus-run.jar}; one that also holds {@code app.aot} is started with
 * {@code -XX:AOTCache=app.aot}, and must use it. A model directory is a model repository holding that model alone
 * ({@code NAME/1/model.onnx}), so that the function loads and warms only it before it is ready.
 */
public final class ColdStartBenchmark {

    private static final Duration POLL = Duration.ofMillis(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern PHASE = Pattern.compile(
            "(?m)^quiver_startup_phase_seconds\\{phase=\"([a-z_]+)\"} (\\S+)$");
    private static final String DIGIT_ZERO = "[0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,"
            + "0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0]";

    /** The peer's name in the report. */
    static final String PEER = "node-peer";
    /** The models whose v2 request the benchmark knows. */
    static final List<String> MODELS = List.of("digits", "ocr");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Settings settings;

    private ColdStartBenchmark(Settings settings) {
        this.settings = settings;
    }

    /** The settings of one benchmark run. */
    record Settings(Map<String, Path> builds, Map<String, Path> models, Optional<Path> nodePeer, String node,
                    int rounds, int port, Duration idle, int warmUp, List<String> jvmOptions,
                    Map<String, List<String>> buildOptions, Path output) {

        /** The JVM options of one build: its own when given, else the common ones. */
        List<String> jvmOptions(String build) {
            return buildOptions.getOrDefault(build, jvmOptions);
        }

        /** Every build a round starts, the peer last. */
        List<String> starters() {
            List<String> names = new ArrayList<>(builds.keySet());
            nodePeer.ifPresent(peer -> names.add(PEER));
            return names;
        }
    }

    /** One start of one build. */
    record Start(Duration toFirstPrediction, Duration warmUp, long idleRssKiB, Map<String, Double> phases) {
    }

    /** The v2 JSON request of a model the benchmark knows: the same body to the function and to the peer. */
    static String requestBody(String model) {
        return switch (model) {
            case "digits" -> "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                    + DIGIT_ZERO + "}]}";
            case "ocr" -> Payloads.ocrJson("x", Payloads.ocrImage()).toString();
            default -> throw new IllegalArgumentException("no request for model " + model + "; known: " + MODELS);
        };
    }

    private HttpRequest infer(String build, String model) {
        // a Knative Function answers at the root of its own URL; the inference function at the model's v2 path
        String path = build.equals(PEER) ? "/" : "/v2/models/" + model + "/infer";
        return HttpRequest.newBuilder(url(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(model))).build();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    private void run() throws Exception {
        // each start's log goes beside the report
        Files.createDirectories(settings.output().getParent());
        String loadBefore = loadAverage();
        warmUpClient();
        Map<String, Map<String, List<Start>>> starts = new LinkedHashMap<>();
        for (String model : settings.models().keySet()) {
            Map<String, List<Start>> byBuild = new LinkedHashMap<>();
            settings.starters().forEach(build -> byBuild.put(build, new ArrayList<>()));
            starts.put(model, byBuild);
        }
        for (int round = 1; round <= settings.rounds(); round++) {
            for (String model : settings.models().keySet()) {
                for (String build : settings.starters()) {
                    Start start = start(build, model, round);
                    starts.get(model).get(build).add(start);
                    System.out.printf(Locale.ROOT, "coldstart: round %d %-6s %-12s first prediction %6.3f s, next %d "
                                    + "%6.3f s, idle RSS %6.1f MB (load %s)%n", round, model, build,
                            seconds(start.toFirstPrediction()), settings.warmUp(), seconds(start.warmUp()),
                            start.idleRssKiB() / 1024.0, loadAverage());
                }
            }
        }
        String report = report(starts, loadBefore, loadAverage());
        System.out.println();
        System.out.println(report);
        Files.writeString(settings.output(), report);
    }

    private Start start(String build, String model, int round) throws Exception {
        ProcessBuilder builder = build.equals(PEER) ? peer(model) : function(build, model);
        builder.redirectErrorStream(true).redirectOutput(
                settings.output().resolveSibling("coldstart-" + model + "-" + build + "-" + round + ".log").toFile());
        HttpRequest infer = infer(build, model);
        long spawned = System.nanoTime();
        Process process = builder.start();
        try {
            Duration toFirstPrediction = untilFirstPrediction(process, spawned, infer);
            long warmUpStarted = System.nanoTime();
            for (int i = 0; i < settings.warmUp(); i++) {
                client.send(infer, HttpResponse.BodyHandlers.discarding());
            }
            Duration warmUp = Duration.ofNanos(System.nanoTime() - warmUpStarted);
            Thread.sleep(settings.idle());
            long residentKiB = residentKiB(process.pid());
            // read after the idle pause: the function publishes its phases just after its first answer
            Map<String, Double> phases = build.equals(PEER) ? Map.of() : phases(get("/q/metrics"));
            return new Start(toFirstPrediction, warmUp, residentKiB, phases);
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private ProcessBuilder function(String build, String model) {
        Path directory = settings.builds().get(build);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions(build));
        if (Files.exists(directory.resolve("app.aot"))) {
            // on: a cache the JVM cannot use fails the start, instead of measuring a start without it
            command.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=app.aot"));
        }
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        builder.environment().put("QUIVER_MODEL_REPOSITORY", settings.models().get(model).toString());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(settings.port()));
        // one client polling every few milliseconds would be an anonymous caller out of quota at once
        builder.environment().put("QUIVER_ADMISSION_ENABLED", "false");
        return builder;
    }

    /** The peer as {@code func} runs a Node function: the runtime's command line on the function's file. */
    private ProcessBuilder peer(String model) {
        Path directory = settings.nodePeer().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(settings.node(),
                directory.resolve("node_modules/faas-js-runtime/bin/cli.js").toString(),
                directory.resolve("index.js").toString(), "--port", Integer.toString(settings.port()),
                "--log-level", "warn").directory(directory.toFile());
        builder.environment().put("QUIVER_PEER_MODEL",
                settings.models().get(model).resolve(model).resolve("1/model.onnx").toString());
        builder.environment().put("QUIVER_PEER_NAME", model);
        return builder;
    }

    private Duration untilFirstPrediction(Process process, long spawned, HttpRequest infer) throws Exception {
        while (true) {
            try {
                if (client.send(infer, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - spawned);
                }
            } catch (ConnectException notListeningYet) {
                // the function has not opened its port yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the function exited with " + process.exitValue()
                        + " before answering; see its log beside " + settings.output());
            }
            if (System.nanoTime() - spawned > START_TIMEOUT.toNanos()) {
                throw new IllegalStateException("no prediction within " + START_TIMEOUT);
            }
            Thread.sleep(POLL);
        }
    }

    /** Loads the HTTP client's classes before the first measured start, so its own start-up is not measured. */
    private void warmUpClient() throws InterruptedException {
        try {
            client.send(infer(PEER, "digits"), HttpResponse.BodyHandlers.discarding());
        } catch (IOException expected) {
            // nothing listens yet
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(url(path)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + settings.port() + path);
    }

    private static Map<String, Double> phases(String metrics) {
        Map<String, Double> phases = new LinkedHashMap<>();
        Matcher matcher = PHASE.matcher(metrics);
        while (matcher.find()) {
            phases.put(matcher.group(1), Double.parseDouble(matcher.group(2)));
        }
        return phases;
    }

    private static long residentKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private String report(Map<String, Map<String, List<Start>>> starts, String loadBefore, String loadAfter) {
        StringBuilder out = new StringBuilder("# Cold start of the inference function\n\n");
        out.append(String.format(Locale.ROOT, "%d rounds, each starting every build once per model in turn; %d cores; "
                        + "JDK %s; JVM options `%s`; load average (1, 5, 15 min) %s before, %s after; warm-up %d "
                        + "predictions, then %d s idle before VmRSS.%n%n",
                settings.rounds(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                String.join(" ", settings.jvmOptions()), loadBefore, loadAfter, settings.warmUp(),
                settings.idle().toSeconds()));
        settings.buildOptions().forEach((build, options) -> out.append(String.format(Locale.ROOT,
                "JVM options of %s instead: `%s`.%n%n", build, String.join(" ", options))));
        settings.nodePeer().ifPresent(peer -> out.append(String.format(Locale.ROOT, "%s: the Knative Functions Node "
                + "runtime (faas-js-runtime with onnxruntime-node, %s), Node %s, the same model and v2 JSON request "
                + "at `/`.%n%n", PEER, peer, nodeVersion())));
        starts.forEach((model, byBuild) -> model(out, model, byBuild));
        return out.toString();
    }

    private void model(StringBuilder out, String model, Map<String, List<Start>> starts) {
        out.append(String.format(Locale.ROOT, "## %s%n%n| build | first prediction, median (s) | every round (s) | "
                + "next %d predictions, median (s) | idle RSS, median (MB) | every round (MB) |%n"
                + "|---|---:|---|---:|---:|---|%n", model, settings.warmUp()));
        starts.forEach((build, list) -> out.append(String.format(Locale.ROOT,
                "| %s | %.3f | %s | %.3f | %.1f | %s |%n", build,
                median(list.stream().map(s -> seconds(s.toFirstPrediction())).toList()),
                rounds(list.stream().map(s -> seconds(s.toFirstPrediction())).toList(), "%.3f"),
                median(list.stream().map(s -> seconds(s.warmUp())).toList()),
                median(list.stream().map(s -> s.idleRssKiB() / 1024.0).toList()),
                rounds(list.stream().map(s -> s.idleRssKiB() / 1024.0).toList(), "%.1f"))));
        List<String> builds = List.copyOf(settings.builds().keySet());
        out.append('\n');
        for (String build : builds.subList(1, builds.size())) {
            List<Double> ratios = ratios(starts.get(build), starts.get(builds.getFirst()),
                    start -> seconds(start.toFirstPrediction()));
            out.append(String.format(Locale.ROOT, "First prediction, %s / %s: median of the per-round ratios %.2f "
                    + "(every round: %s).%n", build, builds.getFirst(), median(ratios), rounds(ratios, "%.2f")));
        }
        if (starts.containsKey(PEER)) {
            out.append(String.format(Locale.ROOT, "%nRatios to the Knative Functions Node runtime, each round's build "
                    + "/ %s in the same round (below 1: lighter or sooner than the peer):%n%n| build | first "
                    + "prediction, median | every round | idle RSS, median | every round |%n|---|---:|---|---:|---|%n",
                    PEER));
            for (String build : builds) {
                List<Double> first = ratios(starts.get(build), starts.get(PEER),
                        start -> seconds(start.toFirstPrediction()));
                List<Double> rss = ratios(starts.get(build), starts.get(PEER), start -> (double) start.idleRssKiB());
                out.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %.2f | %s |%n", build, median(first),
                        rounds(first, "%.2f"), median(rss), rounds(rss, "%.2f")));
            }
        }
        out.append("\nStartup phases as the function reports them (`quiver_startup_phase_seconds`), medians (s):\n\n| "
                + "build | ");
        List<String> phases = starts.get(builds.getFirst()).getFirst().phases().keySet().stream().toList();
        out.append(String.join(" | ", phases)).append(" |\n|---|").append("---:|".repeat(phases.size()))
                .append('\n');
        for (String build : builds) {
            out.append("| ").append(build).append(" | ").append(phases.stream()
                    .map(phase -> String.format(Locale.ROOT, "%.3f", median(starts.get(build).stream()
                            .map(s -> s.phases().getOrDefault(phase, Double.NaN)).toList())))
                    .collect(Collectors.joining(" | "))).append(" |\n");
        }
        out.append('\n');
    }

    private static List<Double> ratios(List<Start> builds, List<Start> references, ToDoubleFunction<Start> figure) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < builds.size(); i++) {
            ratios.add(figure.applyAsDouble(builds.get(i)) / figure.applyAsDouble(references.get(i)));
        }
        return ratios;
    }

    private static String rounds(List<Double> values, String format) {
        return values.stream().map(value -> String.format(Locale.ROOT, format, value))
                .collect(Collectors.joining(", "));
    }

    private String nodeVersion() {
        try {
            Process process = new ProcessBuilder(settings.node(), "--version").redirectErrorStream(true).start();
            String version = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor();
            return version;
        } catch (IOException | InterruptedException e) {
            return "(unknown: " + e.getMessage() + ")";
        }
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    @Command(name = "quiver bench coldstart", showDefaultValues = true, sortOptions = false,
            description = "Cold starts of packaged builds of the inference function and of the Knative Functions "
                    + "Node runtime side by side: the time to the first prediction, the next predictions, idle memory, "
                    + "the startup phases and the ratios to the peer.")
    static final class Options implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private Rounds rounds;

        @Option(names = "--idle", paramLabel = "SECONDS", defaultValue = "10", converter = OptionValues.Seconds.class,
                description = "How long a started function stays idle before its memory is read.")
        private Duration idle;

        @Option(names = "--warm-up", paramLabel = "N", defaultValue = "2000",
                converter = OptionValues.PositiveInteger.class,
                description = "Predictions sent one after another after the first.")
        private int warmUp;

        @Option(names = "--port", paramLabel = "PORT", defaultValue = "18190", description = "Where the function "
                + "listens.")
        private int port;

        @Option(names = "--build", required = true, paramLabel = "NAME=DIR", showDefaultValue = Visibility.NEVER,
                description = "A build to start: a directory with quarkus-run.jar (and app.aot for the AOT cache); "
                        + "repeat for each, the first is the reference of the ratios.")
        private Map<String, Path> builds = new LinkedHashMap<>();

        @Option(names = "--model", required = true, paramLabel = "NAME=DIR", showDefaultValue = Visibility.NEVER,
                description = "A model to start with (digits or ocr) and a model repository that holds it alone; "
                        + "repeat for each.")
        private Map<String, Path> models = new LinkedHashMap<>();

        @Option(names = "--node-peer", paramLabel = "DIR", description = "The Knative Functions Node runtime peer, "
                + "installed: a directory with index.js and node_modules (load-tests/node-peer); started in every "
                + "round as a build of its own, the reference of the ratios to the peer.")
        private Path nodePeer;

        @Option(names = "--node", paramLabel = "COMMAND", defaultValue = "node", description = "The Node.js the peer "
                + "runs on.")
        private String node;

        @Option(names = "--jvm-options", paramLabel = "OPTIONS",
                defaultValue = "--enable-native-access=ALL-UNNAMED", description = "Every build's JVM options.")
        private String jvmOptions;

        @Option(names = "--options", paramLabel = "NAME=OPTIONS", showDefaultValue = Visibility.NEVER,
                description = "One build's own JVM options instead, so that options can be compared on one build "
                        + "(several names for one directory).")
        private Map<String, String> buildOptions = new LinkedHashMap<>();

        @Option(names = "--output", paramLabel = "FILE", defaultValue = "target/bench/coldstart-results.md",
                description = "Where the report goes; each start's log is written beside it.")
        private Path output;

        @Override
        public Integer call() throws Exception {
            if (port < 1 || port > 65535) {
                throw new ParameterException(spec.commandLine(), "--port must be from 1 to 65535, got " + port);
            }
            if (!builds.keySet().containsAll(buildOptions.keySet())) {
                throw new ParameterException(spec.commandLine(), "--options names a build that no --build gives: "
                        + buildOptions.keySet());
            }
            if (!MODELS.containsAll(models.keySet())) {
                throw new ParameterException(spec.commandLine(), "--model names a model without a known request: "
                        + models.keySet() + "; known: " + MODELS);
            }
            if (builds.containsKey(PEER)) {
                throw new ParameterException(spec.commandLine(), "--build " + PEER + " is the name of the Node peer");
            }
            Map<String, Path> repositories = new LinkedHashMap<>();
            models.forEach((name, directory) -> repositories.put(name, directory.toAbsolutePath()));
            Map<String, Path> directories = new LinkedHashMap<>();
            builds.forEach((name, directory) -> directories.put(name, directory.toAbsolutePath()));
            Map<String, List<String>> ownOptions = new LinkedHashMap<>();
            buildOptions.forEach((name, options) -> ownOptions.put(name, words(options)));
            new ColdStartBenchmark(new Settings(directories, repositories,
                    Optional.ofNullable(nodePeer).map(Path::toAbsolutePath), node, rounds.count(), port, idle, warmUp,
                    words(jvmOptions), ownOptions, output.toAbsolutePath())).run();
            return 0;
        }

        private static List<String> words(String options) {
            return Arrays.asList(options.trim().split("\\s+"));
        }
    }
}
