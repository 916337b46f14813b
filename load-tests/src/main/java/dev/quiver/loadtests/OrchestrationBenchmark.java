package dev.quiver.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.Transactions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How fast the orchestration function turns step completions into decisions on PostgreSQL, in one run: completions
 * per second and the latency of each (record the event as handled, lock the run, record the result, plan, persist
 * the decisions and their outbox events, commit), for the fan-in of one wide run (32 instances completing at once
 * from 8 threads, all taking turns on the run's lock) and for 8 independent runs completing in parallel. The
 * reference is the least any durable, idempotent, run-serialized handler must do per completion, on the same server:
 * one transaction that records the event, locks the run and updates the step. Quiver's handler runs twice: as it
 * runs, concurrent events committed together, and with a commit per event, which gives what grouping gains and what
 * it costs in latency. {@code --threads 1,2,4,8,16} repeats every scenario at each thread count. A scenario measures
 * at least {@code --completions} events: the fan-in of one run is 32 events, a few milliseconds, so it is measured as
 * that many fan-ins one after another, each a new run completed from idle threads. Rounds that are not measured come
 * first, until each handler has taken {@code --warm-up} completions: Quiver's handler reaches its pace only once the
 * compiler has optimised it, after several thousand.
 *
 * <pre>java -cp quiver-load-tests.jar dev.quiver.loadtests.OrchestrationBenchmark [--jdbc URL] [--user NAME]
 *   [--rounds 5] [--width 32] [--completions 512] [--warm-up 10000] [--threads 8] [--output FILE]
 *   [--charts DIR]</pre>
 */
public final class OrchestrationBenchmark {

    private final Transactions transactions;
    private final RunCoordinator coordinator;
    private final RunCoordinator ungrouped;
    private final int width;
    private final int completions;
    private final int[] threadCounts;
    private final Map<String, List<LatencyStats>> results = new LinkedHashMap<>();
    private final Map<String, List<Double>> ratios = new LinkedHashMap<>();

    private OrchestrationBenchmark(DataSource dataSource, int width, int completions, int[] threadCounts) {
        this.width = width;
        this.completions = completions;
        this.threadCounts = threadCounts;
        this.transactions = new Transactions(dataSource);
        ObjectMapper json = new ObjectMapper().findAndRegisterModules();
        Pipelines pipelines = Pipelines.of(List.of(PipelineParser.parse("fan.yaml", fanPipeline(width))));
        this.coordinator = new RunCoordinator(transactions, pipelines, new Outbox(transactions,
                new EventCodec(Clock.systemUTC()), Clock.systemUTC()), RetryPolicies.configuredBy(Map.of()), json,
                Clock.systemUTC());
        Transactions alone = Transactions.ungrouped(dataSource);
        this.ungrouped = new RunCoordinator(alone, pipelines, new Outbox(alone, new EventCodec(Clock.systemUTC()),
                Clock.systemUTC()), RetryPolicies.configuredBy(Map.of()), json, Clock.systemUTC());
    }

    public static void main(String[] args) {
        // as the function logs: without Quarkus to configure it, the log manager takes every level, and the JDBC
        // driver's trace of each message it sends and each column it reads would be made and queued, at a cost the
        // function never pays
        Logger.getLogger("").setLevel(Level.INFO);
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Options());
    }

    @Command(name = "quiver bench orchestration", showDefaultValues = true, sortOptions = false,
            description = "How fast the orchestration function turns step completions into decisions on "
                    + "PostgreSQL, next to the least a durable, idempotent handler must do. Works in a schema of its "
                    + "own and drops it.")
    static final class Options implements Callable<Integer> {

        @Mixin
        private Rounds rounds;

        @Option(names = "--width", paramLabel = "N", defaultValue = "32",
                converter = OptionValues.PositiveInteger.class,
                description = "Instances of the fan-out step that complete in each run.")
        private int width;

        @Option(names = "--completions", paramLabel = "N", defaultValue = "512",
                converter = OptionValues.PositiveInteger.class,
                description = "Completions each scenario measures at least: as many fan-ins one after another as "
                        + "that takes, each from idle threads.")
        private int completions;

        @Option(names = "--warm-up", paramLabel = "N", defaultValue = "10000",
                converter = OptionValues.PositiveInteger.class,
                description = "Completions each handler takes before the rounds are measured (whole rounds): the "
                        + "compiler has optimised Quiver's handler only after several thousand.")
        private int warmUp;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "8", split = ",",
                converter = OptionValues.PositiveInteger.class, description = "Threads completing them; as many "
                + "runs in parallel in the second scenario.")
        private int[] threads;

        @Mixin
        private BenchmarkDatabase database;

        @Option(names = "--output", paramLabel = "FILE", description = "Where the report is written, besides the "
                + "standard output.")
        private Path output;

        @Option(names = "--charts", paramLabel = "DIR", description = "Where completions per second and p50 latency "
                + "against the threads are drawn (PNG); none when omitted.")
        private Path charts;

        @Override
        public Integer call() throws Exception {
            try (BenchmarkDatabase.Schema schema = database.createSchema("quiver_bench")) {
                OrchestrationBenchmark benchmark = new OrchestrationBenchmark(schema.dataSource(), width, completions,
                        threads);
                int warmUpRounds = benchmark.roundsFor(warmUp);
                for (int round = 1; round <= warmUpRounds; round++) {
                    System.out.printf("warming up, round %d of %d%n", round, warmUpRounds);
                    benchmark.round(false);
                }
                for (int round = 1; round <= rounds.count(); round++) {
                    System.out.printf("round %d of %d%n", round, rounds.count());
                    benchmark.round(true);
                }
                String report = benchmark.report(rounds.count());
                if (charts != null) {
                    benchmark.charts(charts);
                }
                System.out.println(report);
                if (output != null) {
                    Files.createDirectories(output.toAbsolutePath().getParent());
                    Files.writeString(output, report);
                }
            }
            return 0;
        }
    }

    /**
     * Rounds enough for each handler to take at least {@code events} completions: a round gives it two scenarios of at
     * least {@link #completions} at each thread count.
     */
    private int roundsFor(int events) {
        return Math.max(1, Math.ceilDiv(events, 2 * completions * threadCounts.length));
    }

    private void round(boolean record) throws Exception {
        for (int threads : threadCounts) {
            round(record, threads);
        }
    }

    private void round(boolean record, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            LatencyStats oneRunFloor = floor(pool, 1);
            LatencyStats oneRunAlone = ours(ungrouped, pool, 1);
            LatencyStats oneRun = ours(coordinator, pool, 1);
            LatencyStats manyFloor = floor(pool, threads);
            LatencyStats manyAlone = ours(ungrouped, pool, threads);
            LatencyStats many = ours(coordinator, pool, threads);
            if (record) {
                record("reference: one run, " + width + " completions, " + threads + " threads", oneRunFloor);
                record("Quiver, a commit per event: one run, " + width + " completions, " + threads + " threads",
                        oneRunAlone);
                record("Quiver: one run, " + width + " completions, " + threads + " threads", oneRun);
                record("reference: " + threads + " runs in parallel, " + width + " completions each", manyFloor);
                record("Quiver, a commit per event: " + threads + " runs in parallel, " + width + " completions each",
                        manyAlone);
                record("Quiver: " + threads + " runs in parallel, " + width + " completions each", many);
                ratio("one run, " + threads + " threads: Quiver's completions per second / the reference's (%)",
                        100 * oneRun.throughput() / oneRunFloor.throughput());
                ratio(threads + " runs: Quiver's completions per second / the reference's (%)",
                        100 * many.throughput() / manyFloor.throughput());
                ratio("one run, " + threads + " threads: Quiver's completions per second / a commit per event (%)",
                        100 * oneRun.throughput() / oneRunAlone.throughput());
                ratio(threads + " runs: Quiver's completions per second / a commit per event (%)",
                        100 * many.throughput() / manyAlone.throughput());
                ratio("one run, " + threads + " threads: Quiver's p50 latency - a commit per event's (us)",
                        oneRun.p50Micros() - oneRunAlone.p50Micros());
                ratio(threads + " runs: Quiver's p50 latency - a commit per event's (us)",
                        many.p50Micros() - manyAlone.p50Micros());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Completes the fan-out instances of {@code runs} runs, each completion a task, from the pool's threads; as many
     * such fan-ins one after another as {@link #fanIns} asks.
     */
    private LatencyStats ours(RunCoordinator coordinator, ExecutorService pool, int runs) throws Exception {
        List<List<Runnable>> fanIns = new ArrayList<>();
        for (int fanIn = 0; fanIn < fanIns(runs); fanIn++) {
            List<String> runIds = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                String run = coordinator.requested("/bench", UUID.randomUUID().toString(), new RunRequested("fan",
                        null, Map.of()));
                coordinator.completed("/bench", UUID.randomUUID().toString(), new StepCompleted(run, "prepare", 1,
                        Map.of(), Map.of(), List.of()));
                runIds.add(run);
            }
            // the runs' completions taken in turn, so that the events in flight at any moment are of as many runs
            List<Runnable> work = new ArrayList<>();
            for (int i = 0; i < width; i++) {
                String instance = "work[" + i + "]";
                for (String run : runIds) {
                    work.add(() -> coordinator.completed("/bench", UUID.randomUUID().toString(), new StepCompleted(
                            run, instance, 1, Map.of("rows", 3), Map.of("accuracy", 0.9), List.of())));
                }
            }
            fanIns.add(work);
        }
        return timed(pool, fanIns);
    }

    /**
     * How many fan-ins of {@code runs} runs one measurement takes, one after another: enough for {@link #completions},
     * so that the fan-in of one run is not measured on a few dozen events.
     */
    private int fanIns(int runs) {
        return Math.max(1, Math.ceilDiv(completions, runs * width));
    }

    /** The reference: per completion, record the event, lock the run's row and update the step, in one commit. */
    private LatencyStats floor(ExecutorService pool, int runs) throws Exception {
        List<String> runIds = new ArrayList<>();
        int fanIns = fanIns(runs);
        transactions.inTransaction(c -> {
            for (int r = 0; r < runs * fanIns; r++) {
                String run = UUID.randomUUID().toString();
                try (PreparedStatement insert = c.prepareStatement("insert into runs (id, pipeline, pipeline_version, "
                        + "parameters, state, sequence, requested_by, created_at) values (?, 'floor', 1, '{}', "
                        + "'RUNNING', 0, '/bench', ?)")) {
                    insert.setString(1, run);
                    insert.setTimestamp(2, Timestamp.from(Instant.now()));
                    insert.executeUpdate();
                }
                for (int i = 0; i < width; i++) {
                    try (PreparedStatement insert = c.prepareStatement("insert into step_instances (run_id, instance, "
                            + "step, state, attempt, started_seq, finished_seq, updated_at) values (?, ?, 'work', "
                            + "'DISPATCHED', 1, 0, 0, ?)")) {
                        insert.setString(1, run);
                        insert.setString(2, "work[" + i + "]");
                        insert.setTimestamp(3, Timestamp.from(Instant.now()));
                        insert.executeUpdate();
                    }
                }
                runIds.add(run);
            }
            return null;
        });
        // in turn, as Quiver's are, and as many fan-ins one after another
        List<List<Runnable>> work = new ArrayList<>();
        for (int fanIn = 0; fanIn < fanIns; fanIn++) {
            work.add(new ArrayList<>());
        }
        for (int i = 0; i < width; i++) {
            String instance = "work[" + i + "]";
            for (int r = 0; r < runIds.size(); r++) {
                String run = runIds.get(r);
                work.get(r / runs).add(() -> transactions.inTransaction(c -> {
                    try (PreparedStatement event = c.prepareStatement("insert into processed_events (source, id, type, "
                            + "processed_at) values ('/bench', ?, 'floor', ?) on conflict do nothing");
                         PreparedStatement lock = c.prepareStatement("select sequence from runs where id = ? "
                                 + "for update");
                         PreparedStatement step = c.prepareStatement("update step_instances set state = 'SUCCEEDED' "
                                 + "where run_id = ? and instance = ?")) {
                        event.setString(1, UUID.randomUUID().toString());
                        event.setTimestamp(2, Timestamp.from(Instant.now()));
                        event.executeUpdate();
                        lock.setString(1, run);
                        lock.executeQuery().close();
                        step.setString(1, run);
                        step.setString(2, instance);
                        step.executeUpdate();
                    }
                    return null;
                }));
            }
        }
        return timed(pool, work);
    }

    /**
     * Runs each fan-in's completions from the pool's threads, the next fan-in once the last is done, and times the
     * fan-ins only: their throughput is their completions over the time they took together.
     */
    private static LatencyStats timed(ExecutorService pool, List<List<Runnable>> fanIns) throws Exception {
        int total = fanIns.stream().mapToInt(List::size).sum();
        long[] latencies = new long[total];
        AtomicInteger next = new AtomicInteger();
        long nanos = 0;
        for (List<Runnable> work : fanIns) {
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (Runnable task : work) {
                done.add(pool.submit(() -> {
                    long began = System.nanoTime();
                    task.run();
                    latencies[next.getAndIncrement()] = System.nanoTime() - began;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            nanos += System.nanoTime() - start;
        }
        return LatencyStats.of(latencies, total, total, 0, nanos / 1e9);
    }

    private void record(String name, LatencyStats stats) {
        results.computeIfAbsent(name, ignored -> new ArrayList<>()).add(stats);
        System.out.printf(Locale.ROOT, "  %-60s %9.1f completions/s  p50 %7.0f us  p99 %7.0f us%n", name,
                stats.throughput(), stats.p50Micros(), stats.p99Micros());
    }

    private void ratio(String name, double value) {
        ratios.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
        System.out.printf(Locale.ROOT, "    %s: %.1f%n", name, value);
    }

    private String report(int rounds) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "## Orchestration: medians of %d rounds%n%n| scenario | completions/s | p50 (µs) | p90 (µs) | p99 (µs) |%n"
                        + "|---|---:|---:|---:|---:|%n", rounds));
        results.forEach((name, runs) -> out.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f | %.0f | %.0f |%n",
                name, median(runs.stream().map(LatencyStats::throughput).toList()),
                median(runs.stream().map(LatencyStats::p50Micros).toList()),
                median(runs.stream().map(LatencyStats::p90Micros).toList()),
                median(runs.stream().map(LatencyStats::p99Micros).toList()))));
        out.append("\n| ratio | median | every round |\n|---|---:|---|\n");
        ratios.forEach((name, values) -> out.append(String.format(Locale.ROOT, "| %s | %.1f | %s |%n", name,
                median(values), values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v))
                        .collect(Collectors.joining(", ")))));
        return out.toString();
    }

    /** Completions per second and p50 latency of each scenario against its threads, medians over the rounds. */
    private void charts(Path dir) throws IOException {
        Map<String, SortedMap<Integer, Double>> throughput = new LinkedHashMap<>();
        Map<String, SortedMap<Integer, Double>> p50 = new LinkedHashMap<>();
        Pattern scenario = Pattern.compile("(.+?): (?:one run, \\d+ completions, (\\d+) threads|(\\d+) runs in "
                + "parallel, \\d+ completions each)");
        results.forEach((name, runs) -> {
            Matcher matched = scenario.matcher(name);
            if (matched.matches()) {
                boolean oneRun = matched.group(2) != null;
                int threads = Integer.parseInt(oneRun ? matched.group(2) : matched.group(3));
                String line = matched.group(1) + (oneRun ? ", one run" : ", a run per thread");
                throughput.computeIfAbsent(line, k -> new TreeMap<>()).put(threads,
                        median(runs.stream().map(LatencyStats::throughput).toList()));
                p50.computeIfAbsent(line, k -> new TreeMap<>()).put(threads,
                        median(runs.stream().map(LatencyStats::p50Micros).toList()) / 1000);
            }
        });
        BenchmarkCharts.lines(dir.resolve("step-events-throughput.png"), "Step completions per second (median of "
                + "rounds)", "completions/s", throughput, false);
        BenchmarkCharts.lines(dir.resolve("step-events-p50.png"), "Step completions: median latency", "p50 (ms)",
                p50, true);
        System.out.println("charts: " + dir);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static String fanPipeline(int width) {
        String items = IntStream.range(0, width).mapToObj(i -> "{item: " + i + "}").collect(Collectors.joining(", "));
        return """
                pipeline: fan
                version: 1
                steps:
                  - {name: prepare, executor: process}
                  - {name: work, executor: process, depends: [prepare], for-each: [%s]}
                  - {name: join, executor: process, depends: [work]}
                """.formatted(items);
    }
}
