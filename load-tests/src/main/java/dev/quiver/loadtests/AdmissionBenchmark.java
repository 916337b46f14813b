package dev.quiver.loadtests;

import dev.quiver.admission.audit.AdmissionMetrics;
import dev.quiver.admission.audit.Outcome;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.concurrency.BodyBudget;
import dev.quiver.admission.concurrency.CallerQueues;
import dev.quiver.admission.concurrency.Permit;
import dev.quiver.admission.concurrency.PoolGate;
import dev.quiver.admission.concurrency.TrafficClass;
import dev.quiver.admission.http.RateLimitFields;
import dev.quiver.admission.identity.ApiKeyStore;
import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.identity.CallerKind;
import dev.quiver.admission.identity.CallerResolver;
import dev.quiver.admission.identity.ClientAddressResolver;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.RequestFacts;
import dev.quiver.admission.limit.BucketKey;
import dev.quiver.admission.limit.BucketStore;
import dev.quiver.admission.limit.LocalBucketStore;
import dev.quiver.admission.limit.Quota;
import dev.quiver.admission.limit.RedisBucketStore;
import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import dev.quiver.admission.plan.PlanDefaults;
import dev.quiver.admission.plan.Plans;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the admission layer costs and how well it holds, in one run: the added latency of an admitted request's
 * decision with buckets in process, the decision latency with buckets in Redis next to a bare Redis round trip,
 * decisions per second on one hot key from 16 threads (Quiver's store, which batches, next to a plain Bucket4j
 * compare-and-swap proxy), and how exactly three instances sharing Redis hold one fleet-wide limit (next to three
 * without Redis).
 *
 * <pre>java -cp quiver-load-tests.jar dev.quiver.loadtests.AdmissionBenchmark [--redis URI] [--rounds 5]
 *     [--duration 5] [--output FILE]</pre>
 */
public final class AdmissionBenchmark {

    private static final int THREADS = 16;
    private static final int FLEET = 3;
    private static final long FLEET_LIMIT = 3_000;
    private static final int LATENCY_SAMPLES = 200_000;
    private static final int REDIS_SAMPLES = 5_000;

    private final String redisUri;
    private final Duration duration;
    private final Map<String, List<Double>> figures = new LinkedHashMap<>();

    private AdmissionBenchmark(String redisUri, Duration duration) {
        this.redisUri = redisUri;
        this.duration = duration;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    @Command(name = "quiver bench admission", showDefaultValues = true, sortOptions = false,
            description = "What the admission layer costs and how well it holds: decision latency in process and "
                    + "in Redis, decisions per second on one hot key, and three instances sharing one limit.")
    static final class Options implements Callable<Integer> {

        @Mixin
        private Rounds rounds;

        @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "5",
                converter = OptionValues.PositiveSeconds.class, description = "How long each throughput scenario "
                + "runs.")
        private Duration duration;

        @Option(names = "--redis", paramLabel = "URI", defaultValue = "redis://127.0.0.1:6379",
                description = "The Redis the distributed buckets use.")
        private String redis;

        @Option(names = "--output", paramLabel = "FILE", defaultValue = "load-tests/target/bench/admission-results.md",
                description = "Where the report is written.")
        private Path output;

        @Override
        public Integer call() throws Exception {
            AdmissionBenchmark benchmark = new AdmissionBenchmark(redis, duration);
            benchmark.localDecisions();
            for (int round = 1; round <= rounds.count(); round++) {
                System.out.println("round " + round + " of " + rounds.count());
                benchmark.round();
            }
            benchmark.report(output, rounds.count());
            return 0;
        }
    }

    private void round() throws Exception {
        localDecisions();
        redisLatency();
        hotKey();
        fleet();
    }

    /** The work the admission handler does for an admitted anonymous request, with buckets in process. */
    private void localDecisions() {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (LocalBucketStore buckets = new LocalBucketStore(1, 1_000_000)) {
            Plans plans = new PlanDefaults(1L << 40, 1_000_000_000L, 2, 5000, 200, 3, 4, Duration.ofSeconds(2)).plans();
            CallerResolver resolver = new CallerResolver(new ApiKeyStore(Optional.empty()), Optional.empty(),
                    new ClientAddressResolver(List.of()), new EventDeliveries(List.of(), Optional.empty(),
                    Optional.empty(), List.of()));
            CallerQueues queues = new CallerQueues(timer);
            PoolGate pool = new PoolGate(64);
            AdmissionMetrics metrics = new AdmissionMetrics(new SimpleMeterRegistry(), queues, pool,
                    new BodyBudget(64L << 20));
            UsageLedger ledger = new UsageLedger(Clock.systemUTC(), 10_000);
            RateLimitFields fields = new RateLimitFields();
            RequestFacts[] requests = new RequestFacts[1000];
            for (int i = 0; i < requests.length; i++) {
                String peer = i % 2 == 0 ? "198.51." + (i / 256) + "." + (i % 256) : "2001:db8:" + i + "::7";
                requests[i] = new RequestFacts("/v2/models/digits/infer", null, null, null, peer, null, null);
            }
            long[] latencies = new long[LATENCY_SAMPLES];
            long[] timerOnly = new long[LATENCY_SAMPLES];
            for (int i = 0; i < LATENCY_SAMPLES; i++) {
                long start = System.nanoTime();
                RequestFacts request = requests[i % requests.length];
                Caller caller = resolver.resolve(request, resolver.client(request), plans);
                Plan plan = plans.get(caller.plan());
                Quota quota = buckets.consumeNow(BucketKey.of(caller, plan, plans.version()), 1);
                String headers = fields.policy(quota.plan()) + fields.rateLimit(quota);
                CompletableFuture<Permit> turn = queues.acquire(caller.key(), plan.name(), plan.concurrency(),
                        plan.queue(), plan.queueTimeout());
                Permit place = pool.tryEnter(TrafficClass.of(caller));
                metrics.decided(plan.name(), Outcome.ADMITTED);
                ledger.record(caller, Outcome.ADMITTED);
                long end = System.nanoTime();
                place.release();
                turn.join().release();
                if (!quota.consumed() || headers.isEmpty()) {
                    throw new IllegalStateException("the benchmark's plan should admit every request");
                }
                latencies[i] = end - start;
                long before = System.nanoTime();
                timerOnly[i] = System.nanoTime() - before;
            }
            record("local decision p50 (us)", percentile(latencies, 0.5) / 1e3);
            record("local decision p99 (us)", percentile(latencies, 0.99) / 1e3);
            record("clock read alone p50 (us)", percentile(timerOnly, 0.5) / 1e3);
        } finally {
            timer.shutdownNow();
        }
    }

    /**
     * One decision after another against Redis, next to a bare PING round trip on another connection and a decision
     * of a plain Bucket4j compare-and-swap proxy (what Quiver's store was before its one-command script) and a refusal
     * of an exhausted bucket; with the Redis commands each sent, from Redis's own count ({@code INFO commandstats}).
     */
    private void redisLatency() throws Exception {
        RedisClient client = RedisClient.create(redisUri);
        try (RedisBucketStore store = connected(); StatefulRedisConnection<String, String> ping = client.connect();
             StatefulRedisConnection<String, byte[]> cas = client.connect(
                     RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            BucketKey key = key(1_000_000_000_000L);
            BucketConfiguration configuration = BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(1_000_000_000_000L).refillGreedy(1_000_000_000L,
                            Duration.ofHours(1)))
                    .build();
            String plainKey = "quiver:bench:plain:" + UUID.randomUUID();
            Bucket plain = Bucket4jLettuce.casBasedBuilder(cas).build().builder()
                    .build(plainKey, () -> configuration);
            try {
                store.consume(key, 1).join();
                plain.tryConsume(1);
                BucketKey exhausted = key(1);
                store.consume(exhausted, 1).join();
                long[] decisions = new long[REDIS_SAMPLES];
                long[] refusals = new long[REDIS_SAMPLES];
                long[] pings = new long[REDIS_SAMPLES];
                long[] casDecisions = new long[REDIS_SAMPLES];
                // each reading counts the INFO before it, hence the 1 taken off
                long before = commands(ping);
                for (int i = 0; i < REDIS_SAMPLES; i++) {
                    store.consume(key, 1).join();
                }
                long afterStore = commands(ping);
                for (int i = 0; i < REDIS_SAMPLES; i++) {
                    plain.tryConsume(1);
                }
                long afterCas = commands(ping);
                for (int i = 0; i < REDIS_SAMPLES; i++) {
                    store.consume(exhausted, 1).join();
                }
                long afterRefusals = commands(ping);
                long storeCommands = afterStore - before - 1;
                long casCommands = afterCas - afterStore - 1;
                long refusalCommands = afterRefusals - afterCas - 1;
                for (int i = 0; i < REDIS_SAMPLES; i++) {
                    long start = System.nanoTime();
                    store.consume(key, 1).join();
                    decisions[i] = System.nanoTime() - start;
                    start = System.nanoTime();
                    store.consume(exhausted, 1).join();
                    refusals[i] = System.nanoTime() - start;
                    start = System.nanoTime();
                    ping.sync().ping();
                    pings[i] = System.nanoTime() - start;
                    start = System.nanoTime();
                    plain.tryConsume(1);
                    casDecisions[i] = System.nanoTime() - start;
                }
                record("redis decision p50 (us)", percentile(decisions, 0.5) / 1e3);
                record("redis decision p99 (us)", percentile(decisions, 0.99) / 1e3);
                record("redis PING p50 (us)", percentile(pings, 0.5) / 1e3);
                record("redis PING p99 (us)", percentile(pings, 0.99) / 1e3);
                record("plain Bucket4j CAS decision p50 (us)", percentile(casDecisions, 0.5) / 1e3);
                record("redis decision p50 / PING p50", percentile(decisions, 0.5) / percentile(pings, 0.5));
                record("redis refusal p50 / PING p50", percentile(refusals, 0.5) / percentile(pings, 0.5));
                record("plain Bucket4j CAS decision p50 / PING p50", percentile(casDecisions, 0.5)
                        / percentile(pings, 0.5));
                record("redis commands per decision, a script's own included", (double) storeCommands / REDIS_SAMPLES);
                record("plain Bucket4j CAS: redis commands per decision, a script's own included",
                        (double) casCommands / REDIS_SAMPLES);
                record("redis commands per refusal, a script's own included",
                        (double) refusalCommands / REDIS_SAMPLES);
            } finally {
                forget(cas, plainKey);
            }
        } finally {
            client.shutdown();
        }
    }

    /** The commands Redis has run since its start, from {@code INFO commandstats} (this call's INFO included). */
    private static long commands(StatefulRedisConnection<String, String> connection) {
        long total = 0;
        for (String line : connection.sync().info("commandstats").split("\r?\n")) {
            int calls = line.indexOf("calls=");
            if (line.startsWith("cmdstat_") && calls >= 0) {
                int end = line.indexOf(',', calls);
                total += Long.parseLong(line.substring(calls + 6, end < 0 ? line.length() : end));
            }
        }
        return total;
    }

    /** Deletes a plain Bucket4j bucket: its proxy sets no expiry, and the benchmark leaves nothing behind in Redis. */
    private static void forget(StatefulRedisConnection<String, byte[]> connection, String key) {
        connection.sync().del(key);
    }

    /** 16 threads deciding on one key: Quiver's store (one script per decision) and a plain Bucket4j proxy. */
    private void hotKey() throws Exception {
        double quiver;
        try (RedisBucketStore store = connected()) {
            BucketKey key = key(1_000_000_000_000L);
            quiver = decisionsPerSecond(() -> store.consume(key, 1).join().consumed() ? 1 : 0);
        }
        RedisClient client = RedisClient.create(redisUri);
        double plain;
        try (StatefulRedisConnection<String, byte[]> connection = client.connect(
                RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            BucketConfiguration configuration = BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(Long.MAX_VALUE / 4).refillGreedy(1, Duration.ofHours(1)))
                    .build();
            String plainKey = "quiver:bench:plain:" + UUID.randomUUID();
            Bucket bucket = Bucket4jLettuce.casBasedBuilder(connection).build().builder()
                    .build(plainKey, () -> configuration);
            try {
                plain = decisionsPerSecond(() -> bucket.tryConsume(1) ? 1 : 0);
            } finally {
                forget(connection, plainKey);
            }
        } finally {
            client.shutdown();
        }
        record("hot key, 16 threads, Quiver (decisions/s)", quiver);
        record("hot key, 16 threads, plain Bucket4j CAS (decisions/s)", plain);
        record("hot key: Quiver / plain", quiver / plain);
    }

    /** Three instances sharing Redis, then three on their own, all calling as one caller with 16 threads. */
    private void fleet() throws Exception {
        List<BucketStore> shared = new ArrayList<>();
        List<BucketStore> separate = new ArrayList<>();
        try {
            for (int i = 0; i < FLEET; i++) {
                shared.add(connected());
                separate.add(new LocalBucketStore(1, 1000));
            }
            BucketKey key = key(FLEET_LIMIT);
            record("fleet of 3 sharing Redis: admitted / limit (%)", 100.0 * admitted(shared, key) / FLEET_LIMIT);
            record("fleet of 3 without Redis: admitted / limit (%)", 100.0 * admitted(separate, key) / FLEET_LIMIT);
        } finally {
            for (BucketStore store : shared) {
                store.close();
            }
        }
    }

    private long admitted(List<BucketStore> fleet, BucketKey key) throws InterruptedException {
        LongAdder admitted = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            BucketStore store = fleet.get(t % fleet.size());
            threads.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    if (store.consume(key, 1).join().consumed()) {
                        admitted.increment();
                    }
                }
            }));
        }
        Thread.sleep(Math.min(duration.toMillis(), 3000));
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        return admitted.sum();
    }

    private double decisionsPerSecond(LongSupplier decide) throws InterruptedException {
        LongAdder decisions = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean measuring = new AtomicBoolean(false);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    decide.getAsLong();
                    if (measuring.get()) {
                        decisions.increment();
                    }
                }
            }));
        }
        Thread.sleep(1000);
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(duration.toMillis());
        measuring.set(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        return decisions.sum() / seconds;
    }

    private RedisBucketStore connected() throws InterruptedException {
        RedisBucketStore store = new RedisBucketStore(redisUri, Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!store.connected()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cannot connect to Redis at " + redisUri);
            }
            Thread.sleep(10);
        }
        return store;
    }

    /** A fresh bucket for one caller, so that rounds never share state. */
    private static BucketKey key(long capacity) {
        Plan plan = new Plan("bench", List.of(new Limit("hourly", capacity, Math.max(1, capacity / 1000),
                Duration.ofHours(1))), 0, 0, Duration.ofSeconds(1), Map.of());
        Caller caller = new Caller(CallerKind.API_KEY, "bench:" + UUID.randomUUID(),
                "bench", "bench", false);
        return BucketKey.of(caller, plan, 1);
    }

    private void record(String figure, double value) {
        figures.computeIfAbsent(figure, ignored -> new ArrayList<>()).add(value);
    }

    private void report(Path output, int rounds) throws IOException {
        StringBuilder table = new StringBuilder("| figure | median | rounds |\n|---|---:|---|\n");
        figures.forEach((figure, values) -> {
            List<Double> measured = values.size() > rounds ? values.subList(values.size() - rounds, values.size())
                    : values;
            double[] sorted = measured.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double median = sorted[sorted.length / 2];
            table.append("| ").append(figure).append(" | ").append(format(median)).append(" | ")
                    .append(String.join(", ", measured.stream().map(AdmissionBenchmark::format).toList()))
                    .append(" |\n");
        });
        System.out.println();
        System.out.print(table);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, table);
    }

    private static String format(double value) {
        return value >= 1000 ? String.format("%.0f", value) : String.format("%.2f", value);
    }

    private static double percentile(long[] values, double q) {
        long[] sorted = Arrays.copyOf(values, values.length);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
}
