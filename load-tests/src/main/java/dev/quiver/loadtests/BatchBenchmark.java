package dev.quiver.loadtests;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A large CSV of digits rows through storage-triggered batch inference, run whole (today's streaming path: one reader
 * feeding the batcher) and split into shards by its rule's {@code shard-size} (the embedded mode: the shards run on
 * the notified replica's threads at once and are merged), side by side in each round on one packaged function with the
 * folder store. Each run is one notification answered when the file is complete, results, errors and completion
 * record written; rows per second is the file's rows over that time. One unmeasured run of each path comes first.
 * With {@code --replicas N} from 2, N function processes share the folder store and the shards go through a stand-in
 * broker that delivers each to the replicas in turn, as a Trigger would, the last answered with the completion.
 */
public final class BatchBenchmark {

    private static final Pattern ROWS = Pattern.compile("\"rows\":(\\d+)");

    private final Options settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private BatchBenchmark(Options settings) {
        this.settings = settings;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    private void run() throws Exception {
        Path work = settings.output.toAbsolutePath().getParent().resolve("batch");
        Path buckets = work.resolve("buckets");
        deleteTree(buckets);
        Path input = work.resolve("input.csv");
        long bytes = writeCsv(input);
        Path rules = work.resolve("rules.yaml");
        Files.writeString(rules, """
                rules:
                  - {bucket: incoming, prefix: whole/, model: digits, format: csv, output-bucket: results}
                  - {bucket: incoming, prefix: sharded/, model: digits, format: csv, output-bucket: results,
                     shard-size: %s}
                """.formatted(settings.shardSize));
        Broker broker = settings.replicas > 1 ? new Broker(settings.port + settings.replicas) : null;
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int replica = 0; replica < settings.replicas; replica++) {
            Path log = work.resolve("batch-function-" + replica + ".log");
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Xmx" + settings.heap, "-XX:MaxDirectMemorySize=256m",
                    "-jar", "quarkus-run.jar");
            ProcessBuilder builder = new ProcessBuilder(command).directory(settings.build.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("QUIVER_MODEL_REPOSITORY", settings.models.toString());
            builder.environment().put("QUIVER_STORAGE_ROOT", buckets.toString());
            builder.environment().put("QUIVER_BATCH_RULES_FILE", rules.toString());
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(settings.port + replica));
            builder.environment().remove("K_SINK");
            if (broker != null) {
                builder.environment().put("QUIVER_BATCH_SINK", broker.url());
            }
            processes.add(builder.start());
            logs.add(log);
        }
        if (broker != null) {
            for (int replica = 0; replica < settings.replicas; replica++) {
                broker.replicas.add(URI.create("http://127.0.0.1:" + (settings.port + replica)
                        + "/storage-notifications"));
            }
        }
        List<double[]> rounds = new ArrayList<>();
        long rows = 0;
        try {
            for (int replica = 0; replica < processes.size(); replica++) {
                awaitReady(processes.get(replica), logs.get(replica), settings.port + replica);
            }
            // one unmeasured run of each path first, so that the JIT has compiled both before any round
            for (String warmUp : List.of("whole/warm-up.csv", "sharded/warm-up.csv")) {
                Path copy = buckets.resolve("incoming").resolve(warmUp);
                Files.createDirectories(copy.getParent());
                Files.copy(input, copy);
                notifyAndWait(warmUp, broker);
            }
            for (int round = 1; round <= settings.rounds.count(); round++) {
                // the order alternates, so that neither path always runs on a machine the other has warmed
                boolean wholeFirst = round % 2 == 1;
                double[] rates = new double[2];
                for (int i = 0; i < 2; i++) {
                    boolean whole = (i == 0) == wholeFirst;
                    String key = (whole ? "whole/" : "sharded/") + "round-" + round + ".csv";
                    Path copy = buckets.resolve("incoming").resolve(key);
                    Files.createDirectories(copy.getParent());
                    Files.copy(input, copy);
                    long started = System.nanoTime();
                    rows = notifyAndWait(key, whole ? null : broker);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    rates[whole ? 0 : 1] = rows / seconds;
                    System.out.printf(Locale.ROOT, "round %d %-7s %,d rows in %.2f s: %,.0f rows/s%n", round,
                            whole ? "whole" : "sharded", rows, seconds, rows / seconds);
                }
                rounds.add(rates);
            }
        } finally {
            for (Process process : processes) {
                process.destroy();
            }
            for (Process process : processes) {
                process.waitFor();
            }
            if (broker != null) {
                broker.stop();
            }
        }
        String report = report(rounds, rows, bytes);
        System.out.println();
        System.out.println(report);
        Files.writeString(settings.output, report);
    }

    private long writeCsv(Path input) throws IOException {
        List<String> digits = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(settings.digits)), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                // the last column is the label, not an input
                digits.add(line.substring(0, line.lastIndexOf(',')));
            }
        }
        Files.createDirectories(input.getParent());
        try (BufferedWriter out = Files.newBufferedWriter(input)) {
            for (int i = 0; i < settings.rows; i++) {
                out.write(digits.get(i % digits.size()));
                out.newLine();
            }
        }
        return Files.size(input);
    }

    /**
     * Sends the notification to the first replica and answers the rows of the completion: its answer, or, when the
     * shards went to the broker, the answer of the last shard delivered.
     */
    private long notifyAndWait(String key, Broker broker) throws Exception {
        String notification = """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                "s3":{"bucket":{"name":"incoming"},"object":{"key":"%s"}}}]}""".formatted(key);
        if (broker != null) {
            broker.completion = new CompletableFuture<>();
        }
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(url(settings.port, "/storage-notifications"))
                .timeout(Duration.ofHours(1)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(notification)).build(), HttpResponse.BodyHandlers.ofString());
        String completed = answer.body();
        if (broker != null && answer.statusCode() == 200 && answer.body().contains("\"sharded\"")) {
            completed = broker.completion.get(1, TimeUnit.HOURS);
        }
        Matcher rows = ROWS.matcher(completed);
        if (answer.statusCode() != 200 || !rows.find()) {
            throw new IllegalStateException("notification for " + key + " answered " + answer.statusCode() + ": "
                    + completed);
        }
        return Long.parseLong(rows.group(1));
    }

    /**
     * A stand-in for the Knative Broker and its Trigger: takes every event (202), delivers each to the next replica in
     * turn at once, a 503 again a second later, and keeps the completion event a delivery is answered with.
     */
    private final class Broker {

        private final HttpServer server;
        private final List<URI> replicas = new CopyOnWriteArrayList<>();
        private final ExecutorService deliveries = java.util.concurrent.Executors
                .newCachedThreadPool();
        private final AtomicInteger next = new AtomicInteger();
        private volatile CompletableFuture<String> completion;

        private Broker(int port) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.createContext("/", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                Map<String, String> headers = new LinkedHashMap<>();
                exchange.getRequestHeaders().forEach((name, values) -> {
                    String lower = name.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("ce-") || lower.equals("content-type")) {
                        headers.put(name, values.getFirst());
                    }
                });
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
                deliveries.submit(() -> deliver(headers, body));
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        }

        private void deliver(Map<String, String> headers, byte[] body) {
            try {
                while (true) {
                    URI replica = replicas.get(Math.floorMod(next.getAndIncrement(), replicas.size()));
                    HttpRequest.Builder request = HttpRequest.newBuilder(replica).timeout(Duration.ofHours(1))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
                    headers.forEach(request::header);
                    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 503) {
                        Thread.sleep(1000);
                        continue;
                    }
                    if (answer.headers().firstValue("ce-type").filter(type -> type.endsWith(".batch.completed"))
                            .isPresent()) {
                        completion.complete(answer.body());
                    } else if (answer.statusCode() >= 300) {
                        completion.completeExceptionally(new IllegalStateException("a shard delivered to " + replica
                                + " was answered " + answer.statusCode() + ": " + answer.body()));
                    }
                    return;
                }
            } catch (Exception e) {
                completion.completeExceptionally(e);
            }
        }

        void stop() {
            server.stop(0);
            deliveries.shutdownNow();
        }
    }

    private void awaitReady(Process process, Path log, int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the function exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(url(port, "/q/health/ready")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the function was not ready within 3 minutes; see " + log);
    }

    private String report(List<double[]> rounds, long rows, long bytes) {
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "Batch inference of %,d digits rows (%.1f MB of CSV), shard-size %s, "
                + "%d cores, %d rounds (median)%n%n", rows, bytes / 1e6, settings.shardSize,
                Runtime.getRuntime().availableProcessors(), rounds.size()));
        report.append("| path | rows/s | ratio to whole |\n|---|---|---|\n");
        double whole = median(rounds.stream().mapToDouble(rates -> rates[0]).toArray());
        double sharded = median(rounds.stream().mapToDouble(rates -> rates[1]).toArray());
        double ratio = median(rounds.stream().mapToDouble(rates -> rates[1] / rates[0]).toArray());
        report.append(String.format(Locale.ROOT, "| whole (one reader) | %,.0f | 1.00 |%n", whole));
        report.append(String.format(Locale.ROOT, "| sharded (%s) | %,.0f | %.2f |%n", settings.replicas > 1
                ? settings.replicas + " replicas through a broker" : "in process", sharded, ratio));
        return report.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static URI url(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Command(name = "quiver bench batch", showDefaultValues = true, sortOptions = false,
            description = "A large CSV of digits rows through storage-triggered batch inference, whole and split into "
                    + "shards, side by side: rows per second and their ratio.")
    static final class Options implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private Rounds rounds;

        @Option(names = "--rows", paramLabel = "N", defaultValue = "200000",
                converter = OptionValues.PositiveInteger.class, description = "Rows of the CSV file.")
        private int rows;

        @Option(names = "--shard-size", paramLabel = "SIZE", defaultValue = "2MB",
                description = "The sharded rule's shard-size: bytes (64MB) or rows (100000).")
        private String shardSize;

        @Option(names = "--replicas", paramLabel = "N", defaultValue = "1",
                converter = OptionValues.PositiveInteger.class, description = "Function processes; from 2 the "
                + "shards go through a stand-in broker that delivers them to the replicas in turn, else they run in "
                + "the notified process.")
        private int replicas;

        @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "1g", description = "Each function's heap.")
        private String heap;

        @Option(names = "--port", paramLabel = "PORT", defaultValue = "18290", description = "Where the function "
                + "listens.")
        private int port;

        @Option(names = "--build", required = true, paramLabel = "DIR",
                description = "The folder holding the function's quarkus-run.jar.")
        private Path build;

        @Option(names = "--models", required = true, paramLabel = "DIR", description = "A model repository with "
                + "digits.")
        private Path models;

        @Option(names = "--digits", required = true, paramLabel = "FILE", description = "The digits data, gzipped "
                + "CSV of 64 pixels and a label per row.")
        private Path digits;

        @Option(names = "--output", paramLabel = "FILE", defaultValue = "target/bench/batch-results.md",
                description = "Where the report is written.")
        private Path output;

        @Override
        public Integer call() throws Exception {
            if (port < 1 || port > 65535) {
                throw new ParameterException(spec.commandLine(), "--port must be from 1 to 65535, got " + port);
            }
            if (!shardSize.strip().matches("(?i)\\d+\\s*(b|k|kb|m|mb|g|gb|rows?)?")) {
                throw new ParameterException(spec.commandLine(), "--shard-size: expected bytes such as 64MB or rows "
                        + "such as 100000, got '" + shardSize + "'");
            }
            // the function runs in its build folder: every path it is given must not depend on where this runs
            build = build.toAbsolutePath();
            models = models.toAbsolutePath();
            output = output.toAbsolutePath();
            new BatchBenchmark(this).run();
            return 0;
        }
    }
}
