package dev.quiver.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The worst case of memory: many clients uploading large bodies at once, with no rate limit and no per-caller cap to
 * hold them back, against the inference function started with a given heap. Each client sends its next upload as soon
 * as the last is answered, refused or not (no back-off), for the whole run. Meanwhile a prober asks for liveness
 * every 250 ms with a one-second timeout, as a Kubernetes probe does, and a sampler reads the process's resident
 * memory. After the run, one more upload is sent and the process is sent SIGTERM. Shed means answered 503 with
 * Retry-After; wedged means liveness unanswered, the upload after the run failing, or SIGTERM ignored.
 */
public final class UploadBenchmark {

    private static final Duration PROBE_EVERY = Duration.ofMillis(250);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final int IMAGE_FLOATS = 3 * 48 * 192;

    private final Settings settings;
    private final java.net.http.HttpClient prober = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(PROBE_TIMEOUT).build();

    private UploadBenchmark(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        new UploadBenchmark(parse(args)).run();
    }

    private void run() throws Exception {
        byte[] header = ("{\"inputs\":[{\"name\":\"x\",\"shape\":[" + settings.images() + ",3,48,192],\"datatype\":"
                + "\"FP32\",\"parameters\":{\"binary_data_size\":" + settings.images() * IMAGE_FLOATS * 4 + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        Buffer body = Buffer.buffer(header).appendBytes(images(settings.images()));
        System.out.printf(Locale.ROOT, "uploads: %d clients, %.2f MB per upload (%d images), %d s per run%n",
                settings.clients(), body.length() / 1e6, settings.images(), settings.duration().toSeconds());
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, Path> build : settings.builds().entrySet()) {
            for (String heap : settings.heaps()) {
                Result result = measure(build.getKey(), build.getValue(), heap, header.length, body);
                results.add(result);
                System.out.println("uploads: " + result.line());
            }
        }
        String report = report(results, body.length());
        System.out.println();
        System.out.println(report);
        Files.createDirectories(settings.output().getParent());
        Files.writeString(settings.output(), report);
    }

    private Result measure(String build, Path directory, String heap, int headerLength, Buffer body)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-Dvertx.disableURIValidation=true",
                "-Xmx" + heap, "-XX:MaxDirectMemorySize=" + settings.directMemory(), "-jar", "quarkus-run.jar"));
        Path log = settings.output().resolveSibling("uploads-" + build + "-" + heap + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("QUIVER_MODEL_REPOSITORY", settings.models().toString());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(settings.port()));
        // no rate limit and no per-caller cap: the replica's own bounds are all that hold the uploads back
        builder.environment().put("QUIVER_ADMISSION_ANONYMOUS_REQUESTS_PER_HOUR", "1000000000");
        builder.environment().put("QUIVER_ADMISSION_ANONYMOUS_BURST", "1000000000");
        builder.environment().put("QUIVER_ADMISSION_ANONYMOUS_CONCURRENCY", "0");
        // the benchmark's callers are all anonymous: the whole pool is theirs, as the pool was before it had shares
        builder.environment().put("QUIVER_ADMISSION_POOL_SHARES_ANONYMOUS", "1");
        builder.environment().put("QUIVER_ADMISSION_POOL_SHARES_INTERACTIVE", "0");
        builder.environment().put("QUIVER_ADMISSION_POOL_SHARES_EVENTS", "0");
        Process process = builder.start();
        try {
            awaitReady(process, log);
            Vertx vertx = Vertx.vertx();
            try {
                return load(vertx, build, heap, headerLength, body, process, log);
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().join();
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private Result load(Vertx vertx, String build, String heap, int headerLength, Buffer body, Process process,
                        Path log) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                .setDefaultPort(settings.port()).setKeepAlive(true), new PoolOptions()
                .setHttp1MaxSize(settings.clients()));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/octet-stream")
                .add("Inference-Header-Content-Length", Integer.toString(headerLength));
        Uploads uploads = new Uploads(vertx, client, headers, body, settings.clients());
        List<Long> probeNanos = new CopyOnWriteArrayList<>();
        LongAdder probeFailures = new LongAdder();
        AtomicLong peakRssKiB = new AtomicLong();
        AtomicLong longestOutageNanos = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread prober = Thread.ofPlatform().name("liveness-prober").start(() -> probe(running, probeNanos,
                probeFailures, longestOutageNanos, process, peakRssKiB));
        long start = System.nanoTime();
        uploads.start();
        Thread.sleep(settings.duration().toMillis());
        running.set(false);
        boolean drained = uploads.stop(Duration.ofMinutes(2));
        double seconds = (System.nanoTime() - start) / 1e9;
        prober.join();
        client.close().toCompletionStage().toCompletableFuture().join();
        int after = afterRun(headerLength, body);
        long sigtermMillis = terminate(process);
        long outOfMemory = Files.readAllLines(log).stream().filter(line -> line.contains("OutOfMemoryError")).count();
        return new Result(build, heap, seconds, uploads.statusCounts(), uploads.failures.sum(), drained,
                percentiles(List.copyOf(uploads.servedNanos)), settings.images(), percentiles(probeNanos),
                probeNanos.size(), probeFailures.sum(), longestOutageNanos.get() / 1e9, peakRssKiB.get(), outOfMemory,
                after, sigtermMillis);
    }

    /** Probes liveness until the run ends; the longest outage is the longest time from one answer to the next. */
    private void probe(AtomicBoolean running, List<Long> probeNanos, LongAdder probeFailures,
                       AtomicLong longestOutageNanos, Process process, AtomicLong peakRssKiB) {
        HttpRequest live = HttpRequest.newBuilder(url("/q/health/live")).timeout(PROBE_TIMEOUT).build();
        long lastAnswer = System.nanoTime();
        while (running.get()) {
            long begin = System.nanoTime();
            try {
                if (prober.send(live, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    long now = System.nanoTime();
                    probeNanos.add(now - begin);
                    longestOutageNanos.accumulateAndGet(now - lastAnswer, Math::max);
                    lastAnswer = now;
                } else {
                    probeFailures.increment();
                }
            } catch (IOException e) {
                probeFailures.increment();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            longestOutageNanos.accumulateAndGet(System.nanoTime() - lastAnswer, Math::max);
            peakRssKiB.accumulateAndGet(residentKiB(process.pid()), Math::max);
            long rest = PROBE_EVERY.toNanos() - (System.nanoTime() - begin);
            if (rest > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(rest));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The status of one upload after the run, with a minute to answer: a wedged replica does not. */
    private int afterRun(int headerLength, Buffer body) {
        HttpRequest upload = HttpRequest.newBuilder(url("/v2/models/ocr/infer")).timeout(Duration.ofMinutes(1))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(headerLength))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.getBytes())).build();
        try {
            return prober.send(upload, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Milliseconds from SIGTERM to the process's exit, or -1 when it ignored SIGTERM for 30 s. */
    private static long terminate(Process process) throws InterruptedException {
        long begin = System.nanoTime();
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            return -1;
        }
        return (System.nanoTime() - begin) / 1_000_000;
    }

    private void awaitReady(Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        HttpRequest ready = HttpRequest.newBuilder(url("/v2/health/ready")).timeout(Duration.ofSeconds(5)).build();
        while (true) {
            try {
                if (prober.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (ConnectException notListeningYet) {
                // the function has not opened its port yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the function did not get ready; see " + log);
            }
            Thread.sleep(100);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + settings.port() + path);
    }

    /** Random pixels in [0, 1): the content does not matter to memory, but zeros would compress in some paths. */
    private static byte[] images(int count) {
        ByteBuffer pixels = ByteBuffer.allocate(count * IMAGE_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(1);
        while (pixels.hasRemaining()) {
            pixels.putFloat(random.nextFloat());
        }
        return pixels.array();
    }

    private static long residentKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process has exited
        }
        return 0;
    }

    private static double[] percentiles(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {sorted[(sorted.length - 1) / 2] / 1e6,
                sorted[(int) Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] / 1e6,
                sorted[sorted.length - 1] / 1e6};
    }

    private String report(List<Result> results, int bodyBytes) {
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "Uploads: %d clients at once, each sending %.2f MB (%d OCR images as "
                        + "binary tensor data) again as soon as answered, for %d s; direct memory capped at %s.%n%n",
                settings.clients(), bodyBytes / 1e6, settings.images(), settings.duration().toSeconds(),
                settings.directMemory()));
        report.append("| build | heap | answers | served images/s | served p50 / p99 ms | liveness answered within "
                + "1 s | liveness p99 / max ms | longest without liveness s | peak RSS MB | out-of-memory errors "
                + "| upload after | SIGTERM to exit |\n");
        report.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result result : results) {
            report.append(result.row()).append('\n');
        }
        return report.toString();
    }

    private static Settings parse(String[] args) {
        Map<String, Path> builds = new LinkedHashMap<>();
        List<String> heaps = List.of("512m", "1g");
        Path models = null;
        int clients = 200;
        int images = 32;
        int port = 18290;
        Duration duration = Duration.ofSeconds(30);
        String directMemory = "256m";
        Path output = Path.of("target/bench/uploads-results.md");
        for (int i = 0; i + 1 < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--build" -> builds.put(value.substring(0, value.indexOf('=')),
                        Path.of(value.substring(value.indexOf('=') + 1)).toAbsolutePath());
                case "--heaps" -> heaps = Arrays.asList(value.split(","));
                case "--models" -> models = Path.of(value).toAbsolutePath();
                case "--clients" -> clients = Integer.parseInt(value);
                case "--images" -> images = Integer.parseInt(value);
                case "--port" -> port = Integer.parseInt(value);
                case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(value));
                case "--direct-memory" -> directMemory = value;
                case "--output" -> output = Path.of(value).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; expected --build "
                        + "NAME=DIR, --heaps 512m,1g, --models DIR, --clients N, --images N, --port N, --duration "
                        + "SECONDS, --direct-memory SIZE, --output FILE");
            }
        }
        if (builds.isEmpty() || models == null) {
            throw new IllegalArgumentException("--build NAME=DIR (one or more) and --models DIR are required");
        }
        return new Settings(builds, heaps, models, clients, images, port, duration, directMemory, output);
    }

    /** The clients: each sends its next upload as soon as the last is answered, until stopped. */
    private static final class Uploads {
        private final Vertx vertx;
        private final HttpClient client;
        private final MultiMap headers;
        private final Buffer body;
        private final int clients;
        private final CountDownLatch done;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        private final LongAdder failures = new LongAdder();
        private final Queue<Long> servedNanos = new ConcurrentLinkedQueue<>();

        Uploads(Vertx vertx, HttpClient client, MultiMap headers, Buffer body, int clients) {
            this.vertx = vertx;
            this.client = client;
            this.headers = headers;
            this.body = body;
            this.clients = clients;
            this.done = new CountDownLatch(clients);
        }

        void start() {
            for (int i = 0; i < clients; i++) {
                vertx.runOnContext(ignored -> next());
            }
        }

        /** Stops sending; true when every upload in flight was answered within {@code wait}. */
        boolean stop(Duration wait) throws InterruptedException {
            running.set(false);
            return done.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        Map<Integer, Long> statusCounts() {
            Map<Integer, Long> counts = new LinkedHashMap<>();
            statuses.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(entry -> counts.put(entry.getKey(), entry.getValue().sum()));
            return counts;
        }

        private void next() {
            if (!running.get()) {
                done.countDown();
                return;
            }
            long begin = System.nanoTime();
            client.request(HttpMethod.POST, "/v2/models/ocr/infer")
                    .compose(request -> {
                        request.headers().addAll(headers);
                        request.idleTimeout(60_000);
                        return request.send(body);
                    })
                    .compose(response -> response.body().map(ignored -> response.statusCode()))
                    .onComplete(answer -> {
                        if (answer.succeeded()) {
                            statuses.computeIfAbsent(answer.result(), ignored -> new LongAdder()).increment();
                            if (answer.result() == 200) {
                                servedNanos.add(System.nanoTime() - begin);
                            }
                            next();
                        } else {
                            failures.increment();
                            // a refused connection is tried again after a pause, not in a tight loop
                            vertx.setTimer(100, id -> next());
                        }
                    });
        }
    }

    private record Settings(Map<String, Path> builds, List<String> heaps, Path models, int clients, int images,
                            int port, Duration duration, String directMemory, Path output) {
    }

    /** One run: answers by status, failed exchanges, served latencies and liveness in ms (p50, p99, max). */
    private record Result(String build, String heap, double seconds, Map<Integer, Long> statuses, long failures,
                          boolean drained, double[] served, int images, double[] liveness, int probesAnswered,
                          long probesFailed, double longestOutageSeconds, long peakRssKiB, long outOfMemory,
                          int after, long sigtermMillis) {

        String answers() {
            List<String> parts = new ArrayList<>();
            statuses.forEach((status, count) -> parts.add(count + " x " + status));
            if (failures > 0) {
                parts.add(failures + " failed exchanges");
            }
            if (!drained) {
                parts.add("uploads still unanswered 2 min after the run");
            }
            return String.join(", ", parts);
        }

        String row() {
            long servedCount = statuses.getOrDefault(200, 0L);
            return String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f / %.0f | %d of %d | %.0f / %.0f | %.1f "
                            + "| %.0f | %d | %s | %s |", build, heap, answers(), servedCount * images / seconds,
                    served[0], served[1], probesAnswered, probesAnswered + probesFailed, liveness[1], liveness[2],
                    longestOutageSeconds, peakRssKiB / 1024.0, outOfMemory,
                    after < 0 ? "no answer" : Integer.toString(after),
                    sigtermMillis < 0 ? "ignored for 30 s" : sigtermMillis + " ms");
        }

        String line() {
            return build + " heap " + heap + ": " + answers() + "; liveness " + probesAnswered + "/"
                    + (probesAnswered + probesFailed) + " (longest without " + String.format(Locale.ROOT, "%.1f",
                    longestOutageSeconds) + " s), peak RSS " + peakRssKiB / 1024 + " MB, "
                    + outOfMemory + " out-of-memory errors, upload after " + after + ", SIGTERM "
                    + (sigtermMillis < 0 ? "ignored" : sigtermMillis + " ms");
        }
    }
}
