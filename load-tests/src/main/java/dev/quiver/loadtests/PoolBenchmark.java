package dev.quiver.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.CohortSpec;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.Preemption;
import dev.quiver.pool.Queueing;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.Quota;
import dev.quiver.pool.WorkMapping;
import dev.quiver.pool.scheduler.Decision;
import dev.quiver.pool.scheduler.PoolEvent;
import dev.quiver.pool.scheduler.PoolState;
import dev.quiver.pool.scheduler.Scheduler;
import dev.quiver.pool.scheduler.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Kueue's scheduler performance baseline ({@code test/performance/scheduler/configs/baseline/generator.yaml}) against
 * the pool, with the pool's state in PostgreSQL: cohorts of queues with nominal quota and borrowing limit, each queue
 * creating classes of workloads at fixed intervals; an admitted workload runs for its time and then finishes. Reports
 * wall time, queue usage and average time to admission per class as Kueue's runner computes them, and the latency of
 * one decision with many workloads pending, pure and persisted side by side.
 */
public final class PoolBenchmark {

    /** One class of workloads each queue creates: {@code name:count:units:runMs:priority:intervalMs}. */
    record WorkloadClass(String name, int count, int units, long runMs, int priority, long intervalMs) {

        static WorkloadClass parse(String text) {
            String[] parts = text.split(":");
            if (parts.length != 6) {
                throw new CommandLine.TypeConversionException("expected name:count:units:runMs:priority:intervalMs, "
                        + "got \"" + text + "\"");
            }
            try {
                return new WorkloadClass(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                        Long.parseLong(parts[3]), Integer.parseInt(parts[4]), Long.parseLong(parts[5]));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("\"" + text + "\": " + e.getMessage());
            }
        }
    }

    @Command(name = "quiver bench pool", showDefaultValues = true, sortOptions = false, mixinStandardHelpOptions = true,
            description = "Kueue's scheduler baseline against the pool with its state in PostgreSQL, and the latency "
                    + "of one decision with many workloads pending. Works in a schema of its own and drops it.")
    static final class Options implements Callable<Integer> {

        @Option(names = "--cohorts", defaultValue = "5", converter = OptionValues.PositiveInteger.class, description = "Cohorts.")
        int cohorts;

        @Option(names = "--queues", defaultValue = "6", converter = OptionValues.PositiveInteger.class, description = "Queues per cohort.")
        int queues;

        @Option(names = "--nominal", defaultValue = "20", converter = OptionValues.PositiveInteger.class, description = "Each queue's nominal quota, in units.")
        int nominal;

        @Option(names = "--borrowing-limit", defaultValue = "100", description = "What each queue may borrow.")
        int borrowingLimit;

        @Option(names = "--class", paramLabel = "name:count:units:runMs:priority:intervalMs",
                defaultValue = "small:350:1:200:50:100,medium:100:5:500:100:500,large:50:20:1000:200:1200",
                split = ",", description = "The workloads each queue creates, by class.")
        List<String> classes;

        @Option(names = "--rounds", defaultValue = "1", converter = OptionValues.PositiveInteger.class, description = "Runs of the scenario; the report gives the "
                + "median of each figure over them.")
        int rounds;

        @Option(names = "--pending", defaultValue = "10000", converter = OptionValues.PositiveInteger.class, description = "Workloads pending while one decision's "
                + "latency is measured.")
        int pending;

        @Option(names = "--decisions", defaultValue = "1000", converter = OptionValues.PositiveInteger.class, description = "Decisions measured at that size.")
        int decisions;

        @Mixin
        BenchmarkDatabase database;

        @Option(names = "--output", paramLabel = "FILE", description = "Where the report is written, besides the "
                + "standard output.")
        Path output;

        @Override
        public Integer call() throws Exception {
            List<WorkloadClass> shapes = classes.stream().map(WorkloadClass::parse).toList();
            try (BenchmarkDatabase.Schema schema = database.createSchema("quiver_pool_bench")) {
                DataSource dataSource = schema.dataSource();
                PoolSpec pool = pool(cohorts, queues, nominal, borrowingLimit);
                StringBuilder report = new StringBuilder();
                report.append(String.format(Locale.ROOT, "# Pool: Kueue's scheduler baseline%n%n%d cohorts x %d "
                        + "queues, nominal quota %d, borrowing limit %d; per queue %s; state in PostgreSQL%n%n",
                        cohorts, queues, nominal, borrowingLimit, String.join(", ", classes)));
                List<Scenario.Result> results = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    System.out.printf("scenario, round %d of %d%n", round, rounds);
                    reset(dataSource);
                    Scenario.Result result = new Scenario(new PoolStore(new Transactions(dataSource), pool,
                            new ObjectMapper()), pool, shapes).run();
                    System.out.println(result.describe());
                    results.add(result);
                }
                report.append(Scenario.Result.table(results, shapes)).append('\n');
                reset(dataSource);
                System.out.printf("decision latency with %d pending%n", pending);
                report.append(latency(dataSource, pool, shapes.getFirst()));
                System.out.println(report);
                if (output != null) {
                    Files.createDirectories(output.toAbsolutePath().getParent());
                    Files.writeString(output, report);
                }
            }
            return 0;
        }

        /** One decision at a time on a pool full to its capacity with {@code pending} more waiting. */
        private String latency(DataSource dataSource, PoolSpec pool, WorkloadClass shape) {
            PoolStore store = new PoolStore(new Transactions(dataSource), pool, new ObjectMapper());
            PoolState memory = new PoolState(pool);
            List<String> queueNames = List.copyOf(pool.queues().keySet());
            int capacity = queueNames.size() * nominal;
            Instant start = Instant.now();
            List<PoolEvent> fill = new ArrayList<>();
            for (int i = 0; i < capacity + pending; i++) {
                fill.add(new PoolEvent.Submitted(workload("fill-" + i, queueNames.get(i % queueNames.size()), shape,
                        start.plusMillis(i)), start.plusMillis(i)));
            }
            for (int from = 0; from < fill.size(); from += 1000) {
                List<PoolEvent> batch = fill.subList(from, Math.min(fill.size(), from + 1000));
                store.handleAll(batch);
                batch.forEach(event -> memory.apply(Scheduler.decide(memory, event)));
            }
            long[] pure = new long[decisions];
            long[] persisted = new long[decisions];
            long[] floor = new long[decisions];
            Transactions transactions = new Transactions(dataSource);
            List<String> running = new ArrayList<>(memory.entries().stream().filter(PoolState.Entry::admitted)
                    .map(entry -> entry.workload().id()).sorted().toList());
            for (int i = 0; i < decisions; i++) {
                Instant at = start.plusSeconds(3600 + i);
                PoolEvent event = i % 2 == 0 ? new PoolEvent.Finished(running.removeFirst(), at)
                        : new PoolEvent.Submitted(workload("more-" + i, queueNames.get(i % queueNames.size()), shape,
                                at), at);
                long t0 = System.nanoTime();
                Decision decision = Scheduler.decide(memory, event);
                pure[i] = System.nanoTime() - t0;
                memory.apply(decision);
                long t1 = System.nanoTime();
                store.handle(event);
                persisted[i] = System.nanoTime() - t1;
                long t2 = System.nanoTime();
                transactions.inTransaction(connection -> {
                    try (Statement statement = connection.createStatement()) {
                        statement.executeQuery("select version from pool_lock where id = 1 for update").close();
                        return statement.executeUpdate("update pool_lock set version = version where id = 1");
                    }
                });
                floor[i] = System.nanoTime() - t2;
                decision.admitted().forEach(admission -> running.add(admission.id()));
            }
            LatencyStats pureStats = LatencyStats.of(pure, decisions, decisions, 0, 1);
            LatencyStats persistedStats = LatencyStats.of(persisted, decisions, decisions, 0, 1);
            LatencyStats floorStats = LatencyStats.of(floor, decisions, decisions, 0, 1);
            return String.format(Locale.ROOT, """
                    ## One decision with %d workloads pending (%d decisions, half finishing a workload, half submitting one)

                    | decision | p50 (ms) | p90 (ms) | p99 (ms) |
                    |---|---:|---:|---:|
                    | pure (the scheduler on the pool in memory) | %.3f | %.3f | %.3f |
                    | persisted (locked, decided, written, committed in PostgreSQL) | %.3f | %.3f | %.3f |
                    | reference: lock the pool's row, update it, commit | %.3f | %.3f | %.3f |

                    persisted p50 / reference p50: %.2f; persisted p50 / pure p50: %.1f
                    """, pending, decisions, pureStats.p50Micros() / 1000, pureStats.p90Micros() / 1000,
                    pureStats.p99Micros() / 1000, persistedStats.p50Micros() / 1000,
                    persistedStats.p90Micros() / 1000, persistedStats.p99Micros() / 1000,
                    floorStats.p50Micros() / 1000, floorStats.p90Micros() / 1000, floorStats.p99Micros() / 1000,
                    persistedStats.p50Micros() / floorStats.p50Micros(),
                    persistedStats.p50Micros() / pureStats.p50Micros());
        }
    }

    private PoolBenchmark() {
    }

    public static void main(String[] args) {
        // as the function logs: without Quarkus to configure it, the log manager takes every level, and the JDBC
        // driver's trace of each message it sends and each column it reads would be made and queued, at a cost the
        // function never pays
        Logger.getLogger("").setLevel(Level.INFO);
        System.exit(new CommandLine(new Options()).execute(args));
    }

    static Workload workload(String id, String queue, WorkloadClass shape, Instant at) {
        return new Workload(id, queue, shape.name(), shape.priority(), true, Map.of("cpu", shape.units() * 1000L), 1,
                at);
    }

    /** Kueue's generator's shape: cohorts of queues, each with nominal quota and borrowing limit of cpu. */
    static PoolSpec pool(int cohorts, int queues, int nominal, int borrowingLimit) {
        Map<String, CohortSpec> cohortSpecs = new LinkedHashMap<>();
        Map<String, QueueSpec> queueSpecs = new LinkedHashMap<>();
        for (int c = 0; c < cohorts; c++) {
            String cohort = "cohort-" + c;
            cohortSpecs.put(cohort, new CohortSpec(cohort, java.util.Optional.empty(), 1, Map.of()));
            for (int q = 0; q < queues; q++) {
                String queue = cohort + "-cq-" + q;
                queueSpecs.put(queue, new QueueSpec(queue, java.util.Optional.of(cohort), 1,
                        Map.of("cpu", new Quota(nominal * 1000L, OptionalLong.of(borrowingLimit * 1000L),
                                OptionalLong.empty())),
                        new Preemption(Preemption.WithinQueue.LOWER_PRIORITY, Preemption.Reclaim.ANY),
                        Queueing.BEST_EFFORT_FIFO, 100_000));
            }
        }
        return new PoolSpec(List.of("cpu"), cohortSpecs, queueSpecs, PoolSpec.DEFAULT_PRIORITY_CLASSES,
                new WorkMapping(queueSpecs.keySet().iterator().next(), "normal", "queue", Map.of()),
                PoolSpec.DEFAULT_GANG_TIMEOUT, PoolSpec.DEFAULT_STARVATION_AFTER);
    }

    /** The generator's timeline, run in real time against the pool. */
    static final class Scenario {

        private record Timed(long atNanos, String id, int generation, boolean finish) {
        }

        private record Live(WorkloadClass shape, String queue, long createdNanos) {
        }

        private final PoolStore store;
        private final PoolSpec pool;
        private final List<WorkloadClass> shapes;
        private final PriorityQueue<Timed> timeline = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos,
                b.atNanos));
        private final Map<String, Live> live = new HashMap<>();
        private final Map<String, Integer> generation = new HashMap<>();
        private final Map<String, Long> usage = new HashMap<>();
        private final Map<String, Double> usedUnitMillis = new HashMap<>();
        private final Map<String, Long> lastChange = new HashMap<>();
        private final Map<String, List<Long>> admissionMillis = new LinkedHashMap<>();
        private int evictions;
        private long batches;
        private long decisionNanos;

        Scenario(PoolStore store, PoolSpec pool, List<WorkloadClass> shapes) {
            this.store = store;
            this.pool = pool;
            this.shapes = shapes;
        }

        record Result(double wallSeconds, double classUsagePercent, double minQueueUsagePercent,
                      Map<String, Double> averageAdmissionSeconds, int evictions, long batches,
                      double decisionMillisPerBatch) {

            String describe() {
                return String.format(Locale.ROOT, "wall %.1f s, usage %.1f%% (min queue %.1f%%), admission %s, "
                        + "%d preemptions, %d transactions of %.2f ms", wallSeconds, classUsagePercent,
                        minQueueUsagePercent, averageAdmissionSeconds, evictions, batches, decisionMillisPerBatch);
            }

            static String table(List<Result> results, List<WorkloadClass> shapes) {
                StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "Medians over %d round(s).%n%n"
                        + "| figure | Quiver | Kueue's calibration | Quiver / Kueue |%n|---|---:|---:|---:|%n",
                        results.size()));
                Map<String, Double> kueue = Map.of("small", 215.0, "medium", 76.8, "large", 16.5);
                double wall = median(results.stream().map(Result::wallSeconds).toList());
                table.append(String.format(Locale.ROOT, "| wall time (s) | %.1f | 351 | %.2f |%n", wall,
                        wall / 351));
                double usage = median(results.stream().map(Result::classUsagePercent).toList());
                table.append(String.format(Locale.ROOT, "| queue usage, Kueue's figure (%% of nominal) | %.1f | 55.9 |"
                        + " %.2f |%n", usage, usage / 55.9));
                double minQueue = median(results.stream().map(Result::minQueueUsagePercent).toList());
                table.append(String.format(Locale.ROOT, "| lowest single queue's usage (%% of nominal) | %.1f | | |%n",
                        minQueue));
                for (WorkloadClass shape : shapes) {
                    double average = median(results.stream().map(r -> r.averageAdmissionSeconds()
                            .getOrDefault(shape.name(), Double.NaN)).toList());
                    Double theirs = kueue.get(shape.name());
                    table.append(String.format(Locale.ROOT, "| average time to admission, %s (s) | %.2f | %s | %s |%n",
                            shape.name(), average, theirs == null ? "" : theirs, theirs == null ? ""
                                    : String.format(Locale.ROOT, "%.3f", average / theirs)));
                }
                table.append(String.format(Locale.ROOT, "| preemptions | %.0f | | |%n", median(results.stream()
                        .map(r -> (double) r.evictions()).toList())));
                table.append(String.format(Locale.ROOT, "| decision transactions | %.0f | | |%n", median(results
                        .stream().map(r -> (double) r.batches()).toList())));
                table.append(String.format(Locale.ROOT, "| time per decision transaction (ms) | %.2f | | |%n",
                        median(results.stream().map(Result::decisionMillisPerBatch).toList())));
                return table.toString();
            }
        }

        Result run() {
            int index = 0;
            for (String queue : pool.queues().keySet()) {
                for (WorkloadClass shape : shapes) {
                    for (int i = 0; i < shape.count(); i++) {
                        String id = queue + "-" + shape.name() + "-" + i;
                        live.put(id, new Live(shape, queue, 0));
                        timeline.add(new Timed(i * shape.intervalMs() * 1_000_000L, id, 0, false));
                        index++;
                    }
                }
                usage.put(queue, 0L);
                usedUnitMillis.put(queue, 0.0);
            }
            shapes.forEach(shape -> admissionMillis.put(shape.name(), new ArrayList<>()));
            long start = System.nanoTime();
            Instant wallStart = Instant.now();
            int remaining = index;
            long last = start;
            while (remaining > 0) {
                long now = System.nanoTime() - start;
                List<PoolEvent> events = new ArrayList<>();
                while (!timeline.isEmpty() && timeline.peek().atNanos() <= now) {
                    Timed due = timeline.poll();
                    Live workload = live.get(due.id());
                    Instant at = wallStart.plusNanos(due.atNanos());
                    if (!due.finish()) {
                        live.put(due.id(), new Live(workload.shape(), workload.queue(), due.atNanos()));
                        events.add(new PoolEvent.Submitted(workload(due.id(), workload.queue(), workload.shape(),
                                at), at));
                    } else if (generation.getOrDefault(due.id(), 0) == due.generation()) {
                        events.add(new PoolEvent.Finished(due.id(), at));
                    }
                }
                if (events.isEmpty()) {
                    long wait = timeline.isEmpty() ? 1_000_000 : timeline.peek().atNanos() - now;
                    LockSupport.parkNanos(Math.min(wait, 1_000_000));
                    continue;
                }
                long before = System.nanoTime();
                List<Decision> decided = store.handleAll(events);
                long after = System.nanoTime();
                batches++;
                decisionNanos += after - before;
                long at = after - start;
                for (Decision decision : decided) {
                    for (String id : decision.finished()) {
                        change(live.get(id), at, -1);
                        remaining--;
                        last = after;
                    }
                    for (Decision.Eviction eviction : decision.preempted()) {
                        change(live.get(eviction.id()), at, -1);
                        generation.merge(eviction.id(), 1, Integer::sum);
                        evictions++;
                    }
                    for (Decision.Admission admission : decision.admitted()) {
                        Live workload = live.get(admission.id());
                        change(workload, at, 1);
                        admissionMillis.get(workload.shape().name()).add((at - workload.createdNanos()) / 1_000_000);
                        timeline.add(new Timed(at + workload.shape().runMs() * 1_000_000L, admission.id(),
                                generation.getOrDefault(admission.id(), 0), true));
                    }
                    remaining -= decision.refused().size();
                }
            }
            double wallMillis = (last - start) / 1e6;
            long end = last - start;
            usage.keySet().forEach(queue -> change(queue, end, 0));
            double nominal = pool.queues().values().iterator().next().quota().get("cpu").nominal() / 1000.0;
            double total = usedUnitMillis.values().stream().mapToDouble(Double::doubleValue).sum();
            double classUsage = 100 * total / wallMillis / (nominal * pool.queues().size());
            double minQueue = usedUnitMillis.values().stream().mapToDouble(used -> 100 * used / wallMillis / nominal)
                    .min().orElse(0);
            Map<String, Double> averages = new LinkedHashMap<>();
            admissionMillis.forEach((name, millis) -> averages.put(name, millis.stream().mapToLong(Long::longValue)
                    .average().orElse(Double.NaN) / 1000));
            return new Result(wallMillis / 1000, classUsage, minQueue, averages, evictions, batches,
                    decisionNanos / 1e6 / batches);
        }

        /** Admission (+1) or release (-1) of a workload's units; usage integrated over time per queue. */
        private void change(Live workload, long atNanos, int sign) {
            change(workload.queue(), atNanos, sign * workload.shape().units());
        }

        private void change(String queue, long atNanos, long units) {
            long previous = lastChange.getOrDefault(queue, atNanos);
            usedUnitMillis.merge(queue, usage.get(queue) * (atNanos - previous) / 1e6, Double::sum);
            lastChange.put(queue, atNanos);
            usage.merge(queue, units, Long::sum);
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void reset(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("delete from pool_workloads");
            statement.execute("update pool_lock set version = 0");
        }
    }
}
