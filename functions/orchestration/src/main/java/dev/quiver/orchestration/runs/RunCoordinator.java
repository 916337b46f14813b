package dev.quiver.orchestration.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.RunControlRequested;
import dev.quiver.events.pipeline.RunFinished;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepAlert;
import dev.quiver.events.pipeline.StepCancelled;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.pipeline.StepPreempted;
import dev.quiver.events.pipeline.StepRetryDecided;
import dev.quiver.events.pipeline.StepSkipped;
import dev.quiver.events.pool.WorkloadAdmitted;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.dag.RunPlanner;
import dev.quiver.orchestration.dag.StepState;
import dev.quiver.orchestration.memo.MemoDecision;
import dev.quiver.orchestration.memo.MemoKey;
import dev.quiver.orchestration.memo.MemoStore;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import dev.quiver.orchestration.pipeline.Memoization;
import dev.quiver.orchestration.pipeline.StepSpec;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.FailureEvidence;
import dev.quiver.orchestration.retry.FailureEvidenceReader;
import dev.quiver.orchestration.retry.ProgressPace;
import dev.quiver.orchestration.retry.RetryAction;
import dev.quiver.orchestration.retry.RetryDecider;
import dev.quiver.orchestration.retry.RetryDecision;
import dev.quiver.orchestration.retry.RetryDecisions;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.PriorityClass;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.scheduler.Decision;
import dev.quiver.pool.scheduler.PoolEvent;
import dev.quiver.pool.scheduler.Workload;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Acts on a run's events: each in one transaction that records the event as handled, locks the run, records what
 * the event says, asks the {@link RunPlanner} what follows and persists its decisions with the events they emit (in
 * the outbox). So a redelivered event changes nothing, two replicas handling the last two upstream completions at the
 * same instant dispatch the dependent step once (the second sees the first's decision), and a crash at any point
 * leaves either all of an event's effects or none, the event then being delivered again.
 *
 * <p>With a pool file, a step instance the DAG wants to run waits in the shared pool ({@link StepState#QUEUED}) until
 * the pool admits its workload, and an attempt's end frees its room. Each transaction that may change the pool takes
 * the pool's lock before any run's, and ends by dispatching every queued attempt the pool has admitted, whichever run
 * it belongs to: admission and dispatch commit together, and replicas take turns. Without a pool file the pool has no
 * bound and every ready step is dispatched at once, without the pool's lock.
 */
public final class RunCoordinator {

    private static final Logger LOG = Logger.getLogger(RunCoordinator.class);
    /** {@code quiver.orchestration.slow-worker-factor}'s default. */
    public static final double DEFAULT_SLOW_WORKER_FACTOR = 3;

    private final Transactions transactions;
    private final Pipelines pipelines;
    private final Outbox outbox;
    private final RunRepository runs;
    private final StepEventReads stepEventReads;
    private final MemoStore memo = new MemoStore();
    private final RetryPolicies retries;
    private final RetryDecider decider;
    private final RetryDecisions decisions;
    private final FailureEvidenceReader evidence;
    private final Clock clock;
    private final PoolStore pool;
    private final boolean pooled;
    private final boolean kueue;
    private final double slowWorkerFactor;

    /** A coordinator without a pool file: every ready step is dispatched at once. */
    public RunCoordinator(Transactions transactions, Pipelines pipelines, Outbox outbox, RetryPolicies retries,
                          ObjectMapper json, Clock clock) {
        this(transactions, pipelines, outbox, retries, json, clock, new PoolStore(transactions, PoolSpec.DEFAULT,
                json));
    }

    public RunCoordinator(Transactions transactions, Pipelines pipelines, Outbox outbox, RetryPolicies retries,
                          ObjectMapper json, Clock clock, PoolStore pool) {
        this(transactions, pipelines, outbox, retries, json, clock, pool, false);
    }

    /**
     * @param kueue whether Kueue admits {@code kubernetes-job} steps: they are dispatched at once (their Job waits
     *              suspended in Kueue's queue) and wait as {@link StepState#QUEUED} until their executor reports the
     *              Job running, without Quiver's pool admitting them too
     */
    public RunCoordinator(Transactions transactions, Pipelines pipelines, Outbox outbox, RetryPolicies retries,
                          ObjectMapper json, Clock clock, PoolStore pool, boolean kueue) {
        this(transactions, pipelines, outbox, retries, json, clock, pool, kueue, DEFAULT_SLOW_WORKER_FACTOR);
    }

    /**
     * @param slowWorkerFactor how many times slower than the median of its attempt's workers a worker is reported
     */
    public RunCoordinator(Transactions transactions, Pipelines pipelines, Outbox outbox, RetryPolicies retries,
                          ObjectMapper json, Clock clock, PoolStore pool, boolean kueue, double slowWorkerFactor) {
        this.slowWorkerFactor = slowWorkerFactor;
        this.pool = pool;
        this.kueue = kueue;
        this.pooled = !PoolSpec.DEFAULT.equals(pool.spec());
        this.transactions = transactions;
        this.pipelines = pipelines;
        this.outbox = outbox;
        this.runs = new RunRepository(json);
        this.stepEventReads = new StepEventReads(runs, clock);
        this.retries = retries;
        this.decider = new RetryDecider(retries.classification());
        this.decisions = new RetryDecisions(json);
        this.evidence = new FailureEvidenceReader(decisions, retries.budget());
        this.clock = clock;
    }

    /** The run a request creates: named after the request event, so that a redelivery finds it. */
    public static String runId(String eventSource, String eventId) {
        return UUID.nameUUIDFromBytes((eventSource + '\u0000' + eventId).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /**
     * Creates the run and dispatches its root steps.
     *
     * @return the run's id
     * @throws RunRefusedException for an unknown pipeline or version
     */
    public String requested(String eventSource, String eventId, RunRequested request) {
        return requested(eventSource, eventId, request, Optional.empty());
    }

    /**
     * Creates the run of a caller the admission layer identified, and dispatches its root steps. With a pool file
     * whose {@code work.plans} names the caller's plan, the run goes to that plan's queue: it is written into the
     * run's queue parameter, and a request naming another queue there is refused.
     *
     * @param plan the admission plan of the caller who asked; empty when none is known (the broker's deliveries,
     *             schedules), and the run's queue parameter decides
     * @return the run's id
     * @throws RunRefusedException for an unknown pipeline or version, or a queue the caller's plan does not allow
     */
    public String requested(String eventSource, String eventId, RunRequested request, Optional<String> plan) {
        PipelineGraph graph = pipelines.graph(request.pipeline(), Optional.ofNullable(request.version()));
        String runId = runId(eventSource, eventId);
        Map<String, Object> parameters = planQueue(plan, request.parameters() == null ? Map.of()
                : request.parameters());
        refuseUnknownPoolNames(graph, parameters);
        return inTransaction(c -> {
            Instant now = clock.instant();
            if (!runs.firstDelivery(c, eventSource, eventId, EventTypes.PIPELINE_RUN_REQUESTED, now)
                    || runs.runExists(c, runId)) {
                LOG.debugf("run request %s from %s delivered again: run %s exists", eventId, eventSource, runId);
                return runId;
            }
            runs.insertRun(c, runId, graph.spec().name(), graph.spec().version(), parameters, eventSource, now);
            for (PipelineGraph.Instance instance : graph.instances()) {
                runs.insertInstance(c, runId, instance.id(), instance.step().name(), now);
            }
            RunRepository.LockedRun run = runs.lock(c, runId).orElseThrow();
            advance(c, run, graph, now, run.sequence());
            LOG.infof("run %s of %s version %d created for %s", runId, graph.spec().name(), graph.spec().version(),
                    eventSource);
            return runId;
        });
    }

    /** Records a step attempt's success and dispatches what it lets run. */
    public void completed(String eventSource, String eventId, StepCompleted completed) {
        StepEventReads.Event event = new StepEventReads.Event(eventSource, eventId, EventTypes.STEP_COMPLETED,
                completed.runId());
        inGroupedTransaction(event, (c, found) -> {
            Instant now = clock.instant();
            if (!firstDelivery(c, found, event, now)) {
                return null;
            }
            Reported reported = reported(c, found, completed.runId(), completed.instance(), completed.attempt());
            if (reported == null) {
                return null;
            }
            boolean poolActed = release(c, completed.runId(), completed.instance(), completed.attempt(), now);
            long sequence = reported.run.sequence() + 1;
            runs.succeeded(c, completed.runId(), completed.instance(), completed.attempt(), sequence,
                    completed.outputs(), completed.metrics(), now);
            PipelineGraph.Instance instance = reported.graph.instance(completed.instance());
            // only a step that memoizes claims its key while it runs and has one recorded with its attempt (a run
            // keeps its pipeline's version)
            if (instance.step().memoize().isPresent()) {
                memo.release(c, completed.runId(), completed.instance());
                Optional<String> key = runs.memoKeyOf(c, completed.runId(), completed.instance(),
                        completed.attempt());
                if (key.isPresent()) {
                    memo.record(c, key.get(), reported.run.pipeline(), instance.step().name(), completed.runId(),
                            completed.instance(), completed.attempt(), runs.write(completed.outputs()),
                            runs.write(completed.metrics()), inputRecords(c, completed.runId(), instance), now);
                }
            }
            if (completed.artifacts() != null) {
                for (StepCompleted.Artifact artifact : completed.artifacts()) {
                    runs.artifact(c, completed.runId(), completed.instance(), completed.attempt(), artifact.name(),
                            artifact.uri(), artifact.digest());
                }
            }
            // what the pool decided on the step's end may have changed other steps of the run: read them again
            StepEventReads.LockedState after = advance(c, reported.run, reported.graph, now, sequence, poolActed
                    ? runs.instances(c, completed.runId())
                    : reported.settled(completed.instance(), StepState.SUCCEEDED, sequence));
            if (found != null) {
                found.keep(after);
            }
            return null;
        });
    }

    /** Records a step attempt's failure, decides what to do about it, and does it. */
    public void failed(String eventSource, String eventId, StepFailed failed) {
        StepEventReads.Event event = new StepEventReads.Event(eventSource, eventId, EventTypes.STEP_FAILED,
                failed.runId());
        inGroupedTransaction(event, (c, found) -> {
            Instant now = clock.instant();
            if (!firstDelivery(c, found, event, now)) {
                return null;
            }
            Reported reported = reported(c, found, failed.runId(), failed.instance(), failed.attempt());
            if (reported != null) {
                failAttempt(c, reported, failed, now);
            }
            return null;
        });
    }

    /**
     * Records what an executor observed of a running attempt as samples of its time series (progress, memory against
     * the limit, quality metrics, data checks) and marks the instance running. A heartbeat of an attempt that is
     * over is ignored. It decides nothing in the shared pool (an attempt admitted by Kueue holds no room of Quiver's
     * pool), so unlike the other step events it takes no pool lock: heartbeats of many runs never wait for each other.
     */
    public void heartbeat(String eventSource, String eventId, StepHeartbeat heartbeat) {
        StepEventReads.Event event = new StepEventReads.Event(eventSource, eventId, EventTypes.STEP_HEARTBEAT,
                heartbeat.runId());
        transactions.inGroupedTransaction(heartbeat.runId(), sharedReads(), event, (c, found) -> {
            Instant now = clock.instant();
            if (!firstDelivery(c, found, event, now)) {
                return null;
            }
            Reported reported = reported(c, found, heartbeat.runId(), heartbeat.instance(), heartbeat.attempt());
            if (reported == null) {
                return null;
            }
            if (reported.state == StepState.QUEUED) {
                admittedElsewhere(c, reported, heartbeat.instance(), now);
            }
            runs.heartbeat(c, heartbeat.runId(), heartbeat.instance(), heartbeat.attempt(),
                    heartbeat.observedAt() == null ? now : heartbeat.observedAt(), now, samples(heartbeat));
            reportSlowWorkers(c, reported, heartbeat, now);
            if (heartbeat.checkpoint() != null) {
                runs.checkpoint(c, heartbeat.runId(), heartbeat.instance(), heartbeat.attempt(),
                        heartbeat.checkpoint().uri(), heartbeat.checkpoint().digest(),
                        heartbeat.observedAt() == null ? now : heartbeat.observedAt());
            }
            return null;
        });
    }

    /**
     * An attempt stopped because the function running it stopped (a shutdown, not a failure of the step): recorded as
     * interrupted, outside the retry decision and its budget, and the next attempt due at once, so it runs on the next
     * start (or on another replica's next tick). A report of an attempt that is over is ignored.
     */
    public void interrupted(String runId, String instance, int attempt, String message) {
        inTransaction(c -> {
            Instant now = clock.instant();
            Reported reported = reported(c, runId, instance, attempt);
            if (reported == null) {
                return null;
            }
            release(c, runId, instance, attempt, now);
            long sequence = reported.run.sequence() + 1;
            memo.release(c, runId, instance);
            runs.interrupted(c, runId, instance, attempt, sequence, message, now);
            runs.addTimer(c, runId, instance, attempt, RunRepository.Due.Kind.RETRY,
                    now.truncatedTo(ChronoUnit.MILLIS));
            advance(c, reported.run, reported.graph, now, sequence);
            LOG.infof("run %s: %s attempt %d interrupted (%s); it runs again", runId, instance, attempt, message);
            return null;
        });
    }

    /**
     * A running attempt's Job was suspended again by Kueue, to give its room to other work: the attempt is not over,
     * it waits for Kueue to readmit its Job ({@link StepState#QUEUED}, no heartbeat timeout meanwhile). A report of an
     * attempt that is over, or already waiting, changes nothing.
     */
    public void evicted(String runId, String instance, int attempt, String message) {
        transactions.inTransaction(c -> {
            Instant now = clock.instant();
            Reported reported = reported(c, runId, instance, attempt);
            if (reported == null || reported.state == StepState.QUEUED) {
                return null;
            }
            runs.awaitAdmission(c, runId, instance, now);
            LOG.infof("run %s: %s attempt %d evicted (%s)", runId, instance, attempt, message);
            return null;
        });
    }

    /**
     * Carries out an operator's order about a run and records it with who asked: {@code cancel} stops its running
     * attempts and settles the rest; {@code kill} stops the running attempt of {@code instance}, which fails as
     * {@code Cancelled}; {@code restart} runs {@code instance} again (its running attempt is stopped first), and
     * decides again the dependents its failure had settled;
     * {@code rerun} runs the step or instance {@code instance} and everything downstream of it again. Earlier
     * attempts, results and artifacts are kept; a stopped attempt uses up no retry. A run that was over is reopened by
     * a restart or rerun.
     *
     * @param eventSource and {@code eventId}: the event that carried the order, so that a redelivery changes nothing;
     *                    null for an order over HTTP
     * @throws ControlRefusedException when the run, the order or the instance does not allow it
     */
    public void control(String eventSource, String eventId, RunControlRequested order, String requestedBy) {
        String action = order.action() == null ? "" : order.action();
        if (!List.of("cancel", "kill", "restart", "rerun").contains(action)) {
            throw new ControlRefusedException(400, "action: \"" + action + "\" is no order; expected one of cancel, "
                    + "kill, restart, rerun");
        }
        if (!action.equals("cancel") && (order.instance() == null || order.instance().isBlank())) {
            throw new ControlRefusedException(400, "instance: required to " + action + " (a step instance"
                    + (action.equals("rerun") ? " or a step" : "") + ")");
        }
        inTransaction(c -> {
            Instant now = clock.instant();
            if (eventSource != null && !runs.firstDelivery(c, eventSource, eventId,
                    EventTypes.RUN_CONTROL_REQUESTED, now)) {
                return null;
            }
            RunRepository.LockedRun run = runs.lock(c, order.runId()).orElseThrow(() ->
                    new ControlRefusedException(404, "runId: no run " + order.runId()));
            PipelineGraph graph = pipelines.graph(run.pipeline(), Optional.of(run.pipelineVersion()));
            Map<String, RunRepository.InstanceRow> rows = runs.instances(c, run.id());
            long seq = run.sequence() + 1;
            String by = requestedBy + (order.reason() == null || order.reason().isBlank() ? ""
                    : " (" + order.reason() + ")");
            switch (action) {
                case "cancel" -> {
                    if (run.state() != RunState.RUNNING) {
                        throw new ControlRefusedException(409, "run " + run.id() + " is " + run.state()
                                + ", not running: nothing to cancel");
                    }
                    for (RunRepository.InstanceRow row : rows.values()) {
                        if (running(row)) {
                            stop(c, run, graph, row, seq, "cancelled by " + by, requestedBy, order.reason(), now);
                        } else if (!row.state().done()) {
                            release(c, run.id(), row.instance(), row.attempt(), now);
                            memo.release(c, run.id(), row.instance());
                            runs.settle(c, run.id(), row.instance(), StepState.SKIPPED, seq, "the run was cancelled by "
                                    + by, now);
                        }
                    }
                    runs.updateRun(c, run.id(), RunState.CANCELLED, seq, now);
                    Map<String, String> steps = new TreeMap<>();
                    runs.instances(c, run.id()).forEach((id, row) -> steps.put(id, row.state().name()));
                    outbox.add(c, EventTypes.PIPELINE_RUN_FAILED, run.id(), null, new RunFinished(run.id(),
                            run.pipeline(), run.pipelineVersion(), "cancelled", steps));
                }
                case "kill" -> {
                    RunRepository.InstanceRow row = row(rows, run, order.instance());
                    if (!running(row)) {
                        throw new ControlRefusedException(409, "instance: " + row.instance() + " of run " + run.id()
                                + " is " + row.state() + ", not running: nothing to kill");
                    }
                    stop(c, run, graph, row, seq, "killed by " + by, requestedBy, order.reason(), now);
                    advance(c, run, graph, now, seq);
                }
                default -> {
                    List<String> again = action.equals("restart")
                            ? undecided(graph, rows, row(rows, run, order.instance()).instance())
                            : downstream(graph, rows, run, order.instance());
                    for (String instance : again) {
                        RunRepository.InstanceRow row = rows.get(instance);
                        if (running(row)) {
                            stop(c, run, graph, row, seq, action + " by " + by, requestedBy, order.reason(), now);
                        } else {
                            release(c, run.id(), instance, row.attempt(), now);
                            memo.release(c, run.id(), instance);
                        }
                        runs.reset(c, run.id(), instance, seq, action + " by " + by, now);
                    }
                    runs.updateRun(c, run.id(), RunState.RUNNING, seq, null);
                    advance(c, runs.lock(c, run.id()).orElseThrow(), graph, now, seq);
                }
            }
            runs.control(c, run.id(), new RunRepository.Control(seq, action, order.instance(), requestedBy,
                    order.reason(), now));
            LOG.infof("run %s: %s%s by %s", run.id(), action, order.instance() == null ? ""
                    : " " + order.instance(), by);
            return null;
        });
    }

    /**
     * The first sign of life of an attempt that waited for Kueue: Kueue admitted its Job, which runs from now (its
     * deadline too).
     */
    private void admittedElsewhere(Connection c, Reported reported, String instance, Instant now)
            throws SQLException {
        Optional<Duration> deadline = reported.graph.instance(instance).step().deadline();
        RunRepository.InstanceRow row = runs.instances(c, reported.run.id()).get(instance);
        if (deadline.isPresent()) {
            runs.addTimer(c, reported.run.id(), instance, row.attempt(), RunRepository.Due.Kind.DEADLINE,
                    now.plus(deadline.get()));
        }
        LOG.infof("run %s: %s attempt %d admitted by Kueue; it runs", reported.run.id(), instance, row.attempt());
    }

    private static boolean running(RunRepository.InstanceRow row) {
        return row.state() == StepState.DISPATCHED || row.state() == StepState.RUNNING;
    }

    private static RunRepository.InstanceRow row(Map<String, RunRepository.InstanceRow> rows,
                                                 RunRepository.LockedRun run, String instance) {
        RunRepository.InstanceRow row = rows.get(instance);
        if (row == null) {
            throw new ControlRefusedException(400, "instance: run " + run.id() + " of " + run.pipeline()
                    + " has no step instance " + instance + "; instances: " + String.join(", ",
                    new TreeMap<>(rows).keySet()));
        }
        return row;
    }

    /**
     * The instance and those downstream of it that were settled without running (skipped, upstream-failed), which
     * its new attempt decides again; dependents that ran keep their results.
     */
    private static List<String> undecided(PipelineGraph graph, Map<String, RunRepository.InstanceRow> rows,
                                          String instance) {
        Set<String> chosen = new LinkedHashSet<>(List.of(instance));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (PipelineGraph.Instance candidate : graph.instances()) {
                StepState state = rows.get(candidate.id()).state();
                boolean settledUnrun = state == StepState.SKIPPED || state == StepState.UPSTREAM_FAILED;
                if (settledUnrun && !chosen.contains(candidate.id())
                        && candidate.upstream().stream().anyMatch(chosen::contains)) {
                    grew |= chosen.add(candidate.id());
                }
            }
        }
        return List.copyOf(chosen);
    }

    /** The instances of {@code from} (a step or one instance) and every instance downstream of them. */
    private static List<String> downstream(PipelineGraph graph, Map<String, RunRepository.InstanceRow> rows,
                                           RunRepository.LockedRun run, String from) {
        Set<String> chosen = new LinkedHashSet<>();
        for (PipelineGraph.Instance instance : graph.instances()) {
            if (instance.id().equals(from) || instance.step().name().equals(from)) {
                chosen.add(instance.id());
            }
        }
        if (chosen.isEmpty()) {
            row(rows, run, from);
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (PipelineGraph.Instance instance : graph.instances()) {
                if (!chosen.contains(instance.id()) && instance.upstream().stream().anyMatch(chosen::contains)) {
                    grew |= chosen.add(instance.id());
                }
            }
        }
        return List.copyOf(chosen);
    }

    /** Stops a running attempt at an operator's order: recorded as cancelled, and its executor told to stop it. */
    private void stop(Connection c, RunRepository.LockedRun run, PipelineGraph graph, RunRepository.InstanceRow row,
                      long seq, String message, String requestedBy, String reason, Instant now) throws SQLException {
        release(c, run.id(), row.instance(), row.attempt(), now);
        memo.release(c, run.id(), row.instance());
        runs.cancelled(c, run.id(), row.instance(), row.attempt(), seq, message, now);
        outbox.add(c, EventTypes.STEP_CANCELLED, run.id(), row.instance(), new StepCancelled(run.id(), run.pipeline(),
                row.instance(), row.attempt(), graph.instance(row.instance()).step().executor().yamlName(),
                requestedBy, reason));
    }

    /**
     * Reports, once per attempt, each worker whose throughput in the heartbeat is {@code slowWorkerFactor} times or
     * more below the median of the attempt's workers in it: a {@code dev.quiver.step.alert.raised} with error class
     * {@code SlowWorker} naming it and both figures. The attempt runs on.
     */
    private void reportSlowWorkers(Connection c, Reported reported, StepHeartbeat heartbeat, Instant now)
            throws SQLException {
        Map<String, Double> workers = heartbeat.workerThroughput();
        if (workers == null || workers.size() < 2) {
            return;
        }
        List<Double> rates = workers.values().stream().sorted().toList();
        int middle = rates.size() / 2;
        double median = rates.size() % 2 == 1 ? rates.get(middle) : (rates.get(middle - 1) + rates.get(middle)) / 2;
        for (Map.Entry<String, Double> worker : new TreeMap<>(workers).entrySet()) {
            if (worker.getValue() * slowWorkerFactor > median || !runs.slowWorker(c, heartbeat.runId(),
                    heartbeat.instance(), heartbeat.attempt(), worker.getKey(), worker.getValue(), median, now)) {
                continue;
            }
            String reason = "worker " + worker.getKey() + " processes " + worker.getValue() + " per second, "
                    + slowWorkerFactor + " times or more below the median of the attempt's " + workers.size()
                    + " workers, " + median + " per second";
            outbox.add(c, EventTypes.STEP_ALERT_RAISED, heartbeat.runId(), heartbeat.instance(),
                    new StepAlert(heartbeat.runId(), reported.run.pipeline(), heartbeat.instance(),
                            heartbeat.attempt(), "SlowWorker", reason, worker.getKey()));
            LOG.warnf("run %s: %s attempt %d: %s", heartbeat.runId(), heartbeat.instance(), heartbeat.attempt(),
                    reason);
        }
    }

    private static Map<String, Double> samples(StepHeartbeat heartbeat) {
        Map<String, Double> samples = new LinkedHashMap<>();
        if (heartbeat.progressPercent() != null) {
            samples.put("progress_percent", heartbeat.progressPercent());
        }
        if (heartbeat.memoryBytes() != null) {
            samples.put("memory_bytes", heartbeat.memoryBytes().doubleValue());
        }
        if (heartbeat.memoryLimitBytes() != null) {
            samples.put("memory_limit_bytes", heartbeat.memoryLimitBytes().doubleValue());
        }
        if (heartbeat.metrics() != null) {
            heartbeat.metrics().forEach((name, value) -> samples.put("metric." + name, value));
        }
        if (heartbeat.dataAvailable() != null) {
            heartbeat.dataAvailable().forEach((name, available) -> samples.put("data." + name, available ? 1.0 : 0.0));
        }
        if (heartbeat.workerThroughput() != null) {
            heartbeat.workerThroughput().forEach((name, rate) -> samples.put("worker." + name, rate));
        }
        return samples;
    }

    /**
     * Fires what is due: retries whose backoff is over (their next attempt is dispatched), attempts past their step's
     * deadline, and attempts whose executor has given no sign of life (heartbeat, or the dispatch when none came) for
     * {@code quietLimit}. The last two fail their attempt, with error class {@code DeadlineExceeded} or
     * {@code HeartbeatTimeout}, and the retry decision takes it from there. A timer fires once, whichever replica's
     * tick finds it first. With a pool file, the tick is the pool's too: a gang that waited past the pool's
     * {@code gang-timeout} is refused, and its step fails ({@code GangTimeout}).
     *
     * @return how many timers and silent attempts were acted on
     */
    public int fireDue(Instant now, Duration quietLimit) {
        if (pooled) {
            // time passing is an event to the pool too: gangs waiting past their timeout are refused
            inTransaction(c -> {
                for (Decision decision : pool.handleAll(c, List.of(new PoolEvent.Tick(now)))) {
                    act(c, decision, now);
                }
                return null;
            });
        }
        List<RunRepository.Due> due = transactions.inTransaction(c -> {
            List<RunRepository.Due> found = new ArrayList<>(runs.dueTimers(c, now, 100));
            found.addAll(runs.quiet(c, now.minus(quietLimit), 100));
            return found;
        });
        int fired = 0;
        for (RunRepository.Due item : due) {
            boolean acted = inTransaction(c -> {
                boolean timer = item.kind() != RunRepository.Due.Kind.SILENCE;
                if (item.kind() == RunRepository.Due.Kind.RETRY) {
                    return runs.fire(c, item.timer(), now) && retryNow(c, item, now);
                }
                Reported reported = reported(c, item.runId(), item.instance(), item.attempt());
                if (timer && !runs.fire(c, item.timer(), now)) {
                    return false;
                }
                if (reported == null) {
                    return false;
                }
                if (timer) {
                    stopped(c, reported, new StepFailed(item.runId(), item.instance(), item.attempt(),
                            "DeadlineExceeded", null, false, "the step's deadline passed at " + item.since()), now);
                    return true;
                }
                Instant lastSign = runs.lastSignOfLife(c, item.runId(), item.instance());
                if (!lastSign.isBefore(now.minus(quietLimit))) {
                    return false;
                }
                stopped(c, reported, new StepFailed(item.runId(), item.instance(), item.attempt(),
                        "HeartbeatTimeout", null, false, "no heartbeat since " + lastSign + " (limit " + quietLimit
                        + ")"), now);
                return true;
            });
            fired += acted ? 1 : 0;
        }
        return fired;
    }

    /**
     * Fails an attempt Quiver judged over while it runs (out of time, silent, stalled, too slow) and tells its executor
     * to stop what is left of it ({@code dev.quiver.step.cancelled}, asked by {@code quiver}): a Job still pending or
     * running is deleted, a process killed, so the attempt holds no room once its retry or its step's failure is
     * decided.
     */
    private void stopped(Connection c, Reported reported, StepFailed failure, Instant now) throws SQLException {
        failAttempt(c, reported, failure, now);
        outbox.add(c, EventTypes.STEP_CANCELLED, reported.run.id(), failure.instance(), new StepCancelled(
                reported.run.id(), reported.run.pipeline(), failure.instance(), failure.attempt(),
                reported.graph.instance(failure.instance()).step().executor().yamlName(), "quiver",
                failure.errorClass() + ": " + failure.message()));
    }

    /**
     * Fails, as {@code Stalled}, running attempts of steps with {@code stall-after} whose heartbeats go on while their
     * progress has not risen for that long: stuck, not long-running, and decided on like any failure. An attempt
     * without progress reports in the window is left to the heartbeat timeout; one without a report before it cannot
     * be judged yet.
     *
     * @return the attempts failed
     */
    public int failStalled(Instant now) {
        int failed = 0;
        for (RunRepository.RunningAttempt running : transactions.inTransaction(c -> runs.running(c, 1000))) {
            Optional<Duration> stallAfter;
            try {
                stallAfter = pipelines.graph(running.pipeline(), Optional.of(running.version()))
                        .instance(running.instance()).step().stallAfter();
            } catch (RunRefusedException | IllegalArgumentException e) {
                continue;
            }
            if (stallAfter.isEmpty()) {
                continue;
            }
            Instant windowStart = now.minus(stallAfter.get());
            boolean acted = inTransaction(c -> {
                List<RunRepository.Progress> reports = runs.progress(c, running.runId(), running.instance(),
                        running.attempt());
                Optional<RunRepository.Progress> before = reports.stream()
                        .filter(report -> !report.at().isAfter(windowStart)).reduce((first, second) -> second);
                List<RunRepository.Progress> within = reports.stream()
                        .filter(report -> report.at().isAfter(windowStart)).toList();
                if (before.isEmpty() || within.isEmpty() || within.stream()
                        .anyMatch(report -> report.percent() > before.get().percent())) {
                    return false;
                }
                Reported reported = reported(c, running.runId(), running.instance(), running.attempt());
                if (reported == null) {
                    return false;
                }
                stopped(c, reported, new StepFailed(running.runId(), running.instance(), running.attempt(),
                        "Stalled", null, false, "progress stayed at " + before.get().percent() + "% for "
                        + stallAfter.get() + " while heartbeats went on (" + within.size() + " since " + windowStart
                        + ")"), now);
                return true;
            });
            failed += acted ? 1 : 0;
        }
        return failed;
    }

    /**
     * Fails, as {@code TooSlow}, running attempts of steps with a {@code deadline} whose progress reports, over at
     * least {@code minSpan}, rise at a pace that would reach 100% only after {@code margin} times the deadline (counted
     * from the dispatch): the pace rule of the retry decision, applied while the attempt runs rather than when it
     * has used up its deadline. The decision then abandons it on that same evidence, and the executor is told to stop
     * it ({@code dev.quiver.step.cancelled}, requested by {@code quiver}). Flat progress is left to
     * {@code stall-after}, and the margin to what a straight line through two points cannot foresee (a slow start).
     *
     * @return the attempts failed
     */
    public int failHopeless(Instant now, Duration minSpan, double margin) {
        int failed = 0;
        for (RunRepository.RunningAttempt running : transactions.inTransaction(c -> runs.running(c, 1000))) {
            Optional<Duration> deadline;
            try {
                deadline = pipelines.graph(running.pipeline(), Optional.of(running.version()))
                        .instance(running.instance()).step().deadline();
            } catch (RunRefusedException | IllegalArgumentException e) {
                continue;
            }
            if (deadline.isEmpty()) {
                continue;
            }
            Duration bound = Duration.ofMillis(Math.round(deadline.get().toMillis() * margin));
            boolean acted = inTransaction(c -> {
                List<FailureEvidence.Sample> samples = runs.progress(c, running.runId(), running.instance(),
                        running.attempt()).stream().map(p -> new FailureEvidence.Sample(p.at(), p.percent())).toList();
                Optional<ProgressPace> hopeless = ProgressPace.of(samples, running.dispatchedAt())
                        .filter(pace -> pace.gain() > 0 && pace.span().compareTo(minSpan) >= 0)
                        .filter(pace -> pace.misses(bound));
                if (hopeless.isEmpty()) {
                    return false;
                }
                Reported reported = reported(c, running.runId(), running.instance(), running.attempt());
                if (reported == null) {
                    return false;
                }
                ProgressPace pace = hopeless.get();
                String message = "progress rose " + pace.gain() + "% in " + pace.span() + ": 100% would come after "
                        + pace.projected().orElseThrow() + ", past " + margin + " times the deadline of "
                        + deadline.get() + "; stopped while running";
                stopped(c, reported, new StepFailed(running.runId(), running.instance(), running.attempt(),
                        "TooSlow", null, false, message), now);
                return true;
            });
            failed += acted ? 1 : 0;
        }
        return failed;
    }

    /** Dispatches the attempt after {@code item}'s, unless the instance no longer waits for it. */
    private boolean retryNow(Connection c, RunRepository.Due item, Instant now) throws SQLException {
        Optional<RunRepository.LockedRun> run = runs.lock(c, item.runId());
        if (run.isEmpty() || !runs.waitsForRetry(c, item.runId(), item.instance(), item.attempt())) {
            return false;
        }
        PipelineGraph graph = pipelines.graph(run.get().pipeline(), Optional.of(run.get().pipelineVersion()));
        long sequence = run.get().sequence() + 1;
        start(c, run.get(), graph, graph.instance(item.instance()),
                runs.instances(c, item.runId()).get(item.instance()), runs.artifactsByInstance(c, item.runId()),
                sequence, "retry after attempt " + item.attempt() + " (backoff until " + item.since() + ")", false,
                now);
        advance(c, run.get(), graph, now, sequence);
        return true;
    }

    /**
     * Plans again the instances that waited for an identical step of another run, once that step's result is in
     * (they reuse it) or it gave up (they run). Called on ticks.
     *
     * @return how many instances were resumed
     */
    public int resumeWaiting(Instant now) {
        List<RunRepository.InstanceKey> waiting = transactions.inTransaction(c -> runs.resumable(c, 100));
        int resumed = 0;
        for (RunRepository.InstanceKey item : waiting) {
            resumed += inTransaction(c -> {
                Optional<RunRepository.LockedRun> run = runs.lock(c, item.runId());
                if (run.isEmpty() || !runs.resume(c, item.runId(), item.instance())) {
                    return 0;
                }
                PipelineGraph graph = pipelines.graph(run.get().pipeline(), Optional.of(run.get().pipelineVersion()));
                advance(c, run.get(), graph, now, run.get().sequence());
                return 1;
            });
        }
        return resumed;
    }

    /**
     * Forgets handled events older than {@code retention}: a redelivery later than that would be taken as new, so
     * the retention must exceed the broker's longest retry window.
     */
    public int forgetHandledEvents(Instant now, Duration retention) {
        return transactions.inTransaction(c -> runs.forgetEvents(c, now.minus(retention)));
    }

    /** Removes memoized results older than {@code ttl} or unused for {@code idle}; returns how many. */
    public int collectMemoized(Instant now, Duration ttl, Duration idle) {
        return transactions.inTransaction(c -> memo.collect(c, now, ttl, idle));
    }

    /**
     * A failed attempt: recorded with what it left, handed to the retry decision with the evidence of its run, and the
     * decision recorded, announced and carried out, all in the caller's transaction.
     */
    private void failAttempt(Connection c, Reported reported, StepFailed failure, Instant now) throws SQLException {
        RunRepository.LockedRun run = reported.run;
        PipelineGraph.Instance instance = reported.graph.instance(failure.instance());
        int attempt = failure.attempt();
        release(c, run.id(), instance.id(), attempt, now);
        if (failure.artifacts() != null) {
            for (StepCompleted.Artifact artifact : failure.artifacts()) {
                runs.artifact(c, run.id(), instance.id(), attempt, artifact.name(), artifact.uri(), artifact.digest());
            }
        }
        Map<String, List<MemoKey.Input>> artifacts = runs.artifactsByInstance(c, run.id());
        long memoryLimit = runs.instances(c, run.id()).get(instance.id()).memoryBytes(instance.step());
        FailureEvidence seen = evidence.read(c, new FailureEvidenceReader.Subject(run.id(), run.pipeline(),
                run.tenant(), reported.graph, instance, memoryLimit, failure, upstreamArtifacts(artifacts)), now);
        RetryDecision decision = decider.decide(seen, retries.policy(instance.step()),
                new SplittableRandom(Objects.hash(run.id(), instance.id(), attempt)));
        decisions.record(c, run.id(), instance.id(), attempt, run.pipeline(), run.tenant(), decision, now);
        boolean waits = decision.action() == RetryAction.RETRY || decision.action() == RetryAction.RETRY_WITH_RESOURCES;
        // to the millisecond: the stores keep microseconds, and a due time rounded up past the clock would not be due
        Instant next = now.plus(decision.delay()).truncatedTo(ChronoUnit.MILLIS);
        outbox.add(c, EventTypes.STEP_RETRY_DECIDED, run.id(), instance.id(), new StepRetryDecided(run.id(),
                run.pipeline(), instance.id(), attempt, decision.action().name(), decision.reasons(),
                decision.evidence(), waits ? next : null, decision.memoryBytes(), decision.upstream()));
        LOG.infof("run %s: %s attempt %d failed (%s); %s: %s", run.id(), instance.id(), attempt,
                failure.errorClass(), decision.action(), decision.reasons().getFirst());

        long sequence = run.sequence() + 1;
        String reason = decision.action() + ": " + String.join("; ", decision.reasons());
        memo.release(c, run.id(), instance.id());
        switch (decision.action()) {
            case ACCEPT_PARTIAL -> {
                Map<String, Double> metrics = new TreeMap<>();
                seen.metrics().forEach((name, samples) -> metrics.put(name, samples.getLast().value()));
                runs.succeeded(c, run.id(), instance.id(), attempt, sequence, Map.of("partial", true,
                        "accepted", decision.reasons().getFirst()), metrics, now);
            }
            case RETRY, RETRY_WITH_RESOURCES -> {
                runs.retryWait(c, failure, sequence, decision.memoryBytes(), reason, now);
                runs.addTimer(c, run.id(), instance.id(), attempt, RunRepository.Due.Kind.RETRY, next);
            }
            case RERUN_UPSTREAM -> {
                runs.awaitUpstream(c, failure, sequence, reason, now);
                PipelineGraph.Instance producer = reported.graph.instance(decision.upstream());
                sequence++;
                start(c, run, reported.graph, producer, runs.instances(c, run.id()).get(producer.id()), artifacts,
                        sequence, "re-run for " + instance.id() + ": " + decision.reasons().getFirst(), true, now);
            }
            case ABANDON, GIVE_UP -> {
                runs.failed(c, failure, sequence, reason, now);
                if (decision.action() == RetryAction.GIVE_UP) {
                    outbox.add(c, EventTypes.STEP_ALERT_RAISED, run.id(), instance.id(), new StepAlert(run.id(),
                            run.pipeline(), instance.id(), attempt, failure.errorClass(), reason));
                }
            }
        }
        advance(c, run, reported.graph, now, sequence);
    }

    private static Map<String, List<FailureEvidenceReader.Artifact>> upstreamArtifacts(
            Map<String, List<MemoKey.Input>> artifacts) {
        Map<String, List<FailureEvidenceReader.Artifact>> byInstance = new LinkedHashMap<>();
        artifacts.forEach((instance, inputs) -> byInstance.put(instance, inputs.stream()
                .map(input -> new FailureEvidenceReader.Artifact(input.name(), input.uri(), input.digest()))
                .toList()));
        return byInstance;
    }

    /**
     * @param state {@link StepState#QUEUED} for an attempt dispatched to wait for Kueue's admission
     * @param rows  the run's instances as they were when the report was taken
     */
    private record Reported(RunRepository.LockedRun run, PipelineGraph graph, StepState state,
                            Map<String, RunRepository.InstanceRow> rows) {

        /** The run's instances once the reported one is settled as {@code settled} at {@code sequence}. */
        Map<String, RunRepository.InstanceRow> settled(String instance, StepState settled, long sequence) {
            Map<String, RunRepository.InstanceRow> after = new HashMap<>(rows);
            after.put(instance, rows.get(instance).finished(settled, sequence));
            return after;
        }
    }

    /**
     * The locked run a report is about, or null when the report is stale (an attempt already settled, or preempted
     * and waiting in the pool again: a late answer of the preempted attempt does not complete the next one).
     */
    private Reported reported(Connection c, String runId, String instance, int attempt) throws SQLException {
        return reported(c, null, runId, instance, attempt);
    }

    /** @param found what the event's group read, where the run may be locked and read already; null when none */
    private Reported reported(Connection c, StepEventReads.Found found, String runId, String instance, int attempt)
            throws SQLException {
        Optional<StepEventReads.LockedState> taken = found == null ? Optional.empty() : found.take(runId);
        RunRepository.LockedRun run = taken.isPresent() ? taken.get().run() : runs.lock(c, runId).orElseThrow(() ->
                new RunRefusedException("runId: no run " + runId));
        PipelineGraph graph = pipelines.graph(run.pipeline(), Optional.of(run.pipelineVersion()));
        Map<String, RunRepository.InstanceRow> rows = taken.isPresent() ? taken.get().instances()
                : runs.instances(c, runId);
        RunRepository.InstanceRow row = rows.get(instance);
        if (row == null) {
            throw new RunRefusedException("instance: run " + runId + " of " + run.pipeline() + " has no step "
                    + "instance " + instance);
        }
        boolean current = row.attempt() == attempt
                && (row.state() == StepState.DISPATCHED || row.state() == StepState.RUNNING
                || row.state() == StepState.QUEUED && runs.attemptDispatched(c, runId, instance, attempt));
        if (!current) {
            LOG.debugf("run %s: report for %s attempt %d ignored; the instance is %s at attempt %d", runId, instance,
                    attempt, row.state(), row.attempt());
            return null;
        }
        return new Reported(run, graph, row.state(), rows);
    }

    /** Plans from the state now recorded, persists the decisions and their events, and settles a finished run. */
    private void advance(Connection c, RunRepository.LockedRun run, PipelineGraph graph, Instant now,
                         long sequence) throws SQLException {
        advance(c, run, graph, now, sequence, runs.instances(c, run.id()));
    }

    /**
     * @param recorded the run's instances as recorded now, when the caller knows them already
     * @return the run and its instances as this leaves them recorded
     */
    private StepEventReads.LockedState advance(Connection c, RunRepository.LockedRun run, PipelineGraph graph,
                                               Instant now, long sequence,
                                               Map<String, RunRepository.InstanceRow> recorded) throws SQLException {
        long seq = sequence;
        Map<String, RunRepository.InstanceRow> rows = recorded;
        boolean settledSome = true;
        // a memoized step succeeds without running, which may let its dependents start at once: plan again
        while (settledSome) {
            settledSome = false;
            List<RunPlanner.Decision> decisions = RunPlanner.plan(graph, RunRepository.progress(rows));
            if (decisions.isEmpty()) {
                // a plan that decided nothing changed nothing: the rows it was made from are the run's state still
                break;
            }
            // what the upstream instances produced is read once per plan, and only for a plan that starts a step
            Map<String, List<MemoKey.Input>> artifacts = decisions.stream().anyMatch(decision -> decision.action()
                    == RunPlanner.Action.DISPATCH || decision.action() == RunPlanner.Action.REDISPATCH)
                    ? runs.artifactsByInstance(c, run.id()) : Map.of();
            for (RunPlanner.Decision decision : decisions) {
                seq++;
                PipelineGraph.Instance instance = graph.instance(decision.instance());
                switch (decision.action()) {
                    case DISPATCH, REDISPATCH -> settledSome |= start(c, run, graph, instance,
                            rows.get(instance.id()), artifacts, seq, decision.reason(), false, now);
                    case SKIP -> {
                        runs.settle(c, run.id(), instance.id(), StepState.SKIPPED, seq, decision.reason(), now);
                        outbox.add(c, EventTypes.STEP_SKIPPED, run.id(), instance.id(),
                                new StepSkipped(run.id(), instance.id(), decision.reason()));
                    }
                    case UPSTREAM_FAILED -> runs.settle(c, run.id(), instance.id(), StepState.UPSTREAM_FAILED, seq,
                            decision.reason(), now);
                }
            }
            rows = runs.instances(c, run.id());
        }
        RunPlanner.RunOutcome outcome = RunPlanner.outcome(graph, RunRepository.progress(rows));
        if (outcome == RunPlanner.RunOutcome.RUNNING || run.state() != RunState.RUNNING) {
            runs.updateRun(c, run.id(), run.state(), seq, null);
            return new StepEventReads.LockedState(run.recorded(run.state(), seq), rows);
        }
        boolean succeeded = outcome == RunPlanner.RunOutcome.SUCCEEDED;
        RunState finished = succeeded ? RunState.SUCCEEDED : RunState.FAILED;
        runs.updateRun(c, run.id(), finished, seq, now);
        Map<String, String> steps = new TreeMap<>();
        rows.forEach((id, row) -> steps.put(id, row.state().name()));
        outbox.add(c, succeeded ? EventTypes.PIPELINE_RUN_COMPLETED : EventTypes.PIPELINE_RUN_FAILED, run.id(), null,
                new RunFinished(run.id(), run.pipeline(), run.pipelineVersion(), succeeded ? "succeeded" : "failed",
                        steps));
        LOG.infof("run %s of %s %s", run.id(), run.pipeline(), succeeded ? "succeeded" : "failed");
        return new StepEventReads.LockedState(run.recorded(finished, seq), rows);
    }

    /**
     * Starts an attempt: reuses a memoized result when the step's policy allows it (returns true, the instance being
     * settled), else dispatches it to its executor with the artifacts of its upstream instances
     * ({@code artifacts}, read once for all the decisions of a plan) as inputs. The attempt follows the instance's
     * ({@code row}) last one. {@code fresh} drops the memoized result first: what it points at is gone.
     */
    private boolean start(Connection c, RunRepository.LockedRun run, PipelineGraph graph,
                          PipelineGraph.Instance instance, RunRepository.InstanceRow row,
                          Map<String, List<MemoKey.Input>> artifacts, long seq, String reason, boolean fresh,
                          Instant now) throws SQLException {
        int attempt = row.attempt() + 1;
        Prepared prepared = prepare(c, run, graph, instance, attempt, row, artifacts);
        StepDispatched dispatched = prepared.dispatched();
        Optional<Memoization> policy = instance.step().memoize();
        String key = prepared.memoKey();
        if (policy.isPresent()) {
            if (fresh) {
                memo.forget(c, key);
            }
            Double records = inputRecords(c, run.id(), instance);
            Optional<MemoStore.Stored> stored = memo.find(c, key);
            MemoDecision decision = MemoDecision.decide(policy.get(), stored.map(MemoStore.Stored::entry), now,
                    records);
            if (decision.hit()) {
                memo.hit(c, key, now);
                runs.memoized(c, run.id(), instance.id(), attempt, seq, decision.reason(), dispatched.params(),
                        stored.get(), now);
                outbox.add(c, EventTypes.STEP_SKIPPED, run.id(), instance.id(),
                        new StepSkipped(run.id(), instance.id(), decision.reason()));
                return true;
            }
            reason = reason + "; " + decision.reason();
            Optional<MemoStore.Claim> holder = memo.claim(c, key, run.id(), instance.id(), attempt, now);
            if (holder.isPresent()) {
                MemoStore.Claim claim = holder.get();
                runs.waiting(c, run.id(), instance.id(), key, "waiting for the identical step " + claim.instance()
                        + " of run " + claim.runId() + " (attempt " + claim.attempt() + ") to finish", now);
                return false;
            }
        }
        if (kueue && instance.step().executor() == ExecutorKind.KUBERNETES_JOB) {
            dispatch(c, run, instance, dispatched, key, seq, reason + "; its Job waits for Kueue to admit it in "
                    + "queue " + dispatched.queue(), now);
            runs.awaitAdmission(c, run.id(), instance.id(), now);
            return false;
        }
        if (pooled) {
            queue(c, run, graph, instance, attempt, row.memoryBytes(instance.step()), seq, reason, now);
            return false;
        }
        dispatch(c, run, instance, dispatched, key, seq, reason, now);
        return false;
    }

    private void dispatch(Connection c, RunRepository.LockedRun run, PipelineGraph.Instance instance,
                          StepDispatched dispatched, String key, long seq, String reason, Instant now)
            throws SQLException {
        int attempt = dispatched.attempt();
        runs.dispatch(c, run.id(), instance.id(), attempt, seq, reason, dispatched.params(), now);
        if (key != null) {
            runs.memoKey(c, run.id(), instance.id(), attempt, key);
        }
        Optional<Duration> deadline = instance.step().deadline();
        // a Job Kueue admits runs, and so counts its deadline, from its admission
        boolean admittedByKueue = kueue && instance.step().executor() == ExecutorKind.KUBERNETES_JOB;
        if (deadline.isPresent() && !admittedByKueue) {
            runs.addTimer(c, run.id(), instance.id(), attempt, RunRepository.Due.Kind.DEADLINE,
                    now.plus(deadline.get()));
        }
        outbox.add(c, EventTypes.STEP_DISPATCHED, run.id(), instance.id(), dispatched);
    }

    /**
     * Changes the pool for work that is not a run's (a serving function's replicas), in a transaction that takes the
     * pool's lock first: running steps the pool preempts for that work are stopped, and steps it admits when that
     * work ends are dispatched, in the same transaction. Without a pool file there is nothing such work could take.
     */
    public <T> T withPool(PoolWork<T> work) {
        return inTransaction(c -> work.run(c, events -> {
            Instant now = clock.instant();
            for (Decision decision : pool.handleAll(c, events)) {
                act(c, decision, now);
            }
        }));
    }

    /** Work on the pool's state in a transaction that holds the pool's lock; {@code pool} decides events in it. */
    @FunctionalInterface
    public interface PoolWork<T> {
        T run(Connection connection, PoolDecisions pool) throws SQLException;
    }

    /** Decides pool events in the transaction of a {@link PoolWork}, acting on what the decisions preempt. */
    @FunctionalInterface
    public interface PoolDecisions {
        void decide(List<PoolEvent> events) throws SQLException;
    }

    /**
     * A transaction that takes the pool's lock first when there is a pool, and dispatches what the pool admitted in it.
     * Admissions and refusals are acted on in the transaction that decided them, so one that decided nothing has none
     * to look for.
     */
    private <T> T inTransaction(Transactions.Work<T> work) {
        return transactions.inTransaction(pooled(work));
    }

    /**
     * {@link #inTransaction} for a step event, committed with the step events other threads hand in meanwhile, and
     * with what each would read alone read for all of them at once ({@link #sharedReads}).
     */
    private <T> T inGroupedTransaction(StepEventReads.Event event,
                                       Transactions.GroupedWork<StepEventReads.Found, T> work) {
        return transactions.inGroupedTransaction(event.runId(), sharedReads(), event,
                (c, found) -> pooled(connection -> work.run(connection, found)).run(c));
    }

    /**
     * What a group of step events reads together; none with a pool, whose admissions at the end of an event change
     * other runs than its own, which a later event in the group would otherwise find as they were read.
     */
    private StepEventReads sharedReads() {
        return pooled ? null : stepEventReads;
    }

    /** Records the event as handled, or finds its group did; false when it already was. */
    private boolean firstDelivery(Connection c, StepEventReads.Found found, StepEventReads.Event event, Instant now)
            throws SQLException {
        return found != null ? found.firstDelivery(event.handled())
                : runs.firstDelivery(c, event.source(), event.id(), event.type(), now);
    }

    private <T> Transactions.Work<T> pooled(Transactions.Work<T> work) {
        return (c -> {
            if (!pooled) {
                return work.run(c);
            }
            long version = pool.lock(c);
            T result = work.run(c);
            if (!pool.changedSince(c, version)) {
                // nothing was decided (a redelivery, a stale report, a step the pool does not admit): nothing to act on
                return result;
            }
            Instant now = clock.instant();
            // failing a refused step plans its run again, which may queue (and so refuse) more
            boolean refused = true;
            while (refused) {
                refused = failRefused(c, now);
            }
            dispatchAdmitted(c, now);
            return result;
        });
    }

    /**
     * Puts the attempt in the pool as a workload: its step's resources, its run's queue and its step's priority class,
     * else its pipeline's.
     * A refusal is acted on with every other at the end of the transaction ({@link #failRefused}).
     */
    private void queue(Connection c, RunRepository.LockedRun run, PipelineGraph graph, PipelineGraph.Instance instance,
                       int attempt, long memoryBytes, long seq, String reason, Instant now) throws SQLException {
        PoolSpec spec = pool.spec();
        String queue = queue(spec, run.parameters());
        String className = priorityClass(spec, graph, instance);
        PriorityClass priority = spec.priorityClasses().get(className);
        var resources = instance.step().resources();
        // the step's resources are each worker's: the workload asks for all of its workers together
        int pods = Math.max(1, resources.workers());
        Map<String, Long> request = new HashMap<>();
        // saturated: a request no pool can hold is refused by the pool (TooLarge), never an overflow
        request.put("cpu", Quantity.times(resources.cpuMillis(), pods));
        request.put("memory", Quantity.times(Quantity.times(memoryBytes, 1000L), pods));
        request.put("gpu", Quantity.times(resources.gpus() * 1000L, pods));
        Workload workload = new Workload(workloadId(run.id(), instance.id(), attempt), queue, className,
                priority.value(), priority.preempting(), request, pods, now);
        runs.queued(c, run.id(), instance.id(), attempt, seq, reason, workload.id(), now);
        for (Decision decision : pool.handleAll(c, List.of(new PoolEvent.Submitted(workload, now)))) {
            act(c, decision, now);
        }
    }

    /**
     * Fails the queued attempts the pool refused (too large for their queue, past its pending limit, a gang that
     * waited past the timeout): they could never run, or gave up waiting. Returns whether there were any.
     */
    private boolean failRefused(Connection c, Instant now) throws SQLException {
        List<RunRepository.Refused> refused = runs.refused(c);
        for (RunRepository.Refused item : refused) {
            RunRepository.LockedRun run = runs.lock(c, item.runId()).orElseThrow();
            PipelineGraph graph = pipelines.graph(run.pipeline(), Optional.of(run.pipelineVersion()));
            long seq = run.sequence() + 1;
            runs.failed(c, new StepFailed(run.id(), item.instance(), item.attempt(), item.reasonClass(), null, false,
                    item.message()), seq, "the pool refused it: " + item.message(), now);
            LOG.infof("run %s: %s attempt %d refused by the pool: %s: %s", run.id(), item.instance(), item.attempt(),
                    item.reasonClass(), item.message());
            advance(c, run, graph, now, seq);
        }
        return !refused.isEmpty();
    }

    /** Dispatches every queued attempt whose workload the pool has admitted, each under its run's lock. */
    private void dispatchAdmitted(Connection c, Instant now) throws SQLException {
        for (RunRepository.Admitted admitted : runs.admitted(c)) {
            RunRepository.LockedRun run = runs.lock(c, admitted.runId()).orElseThrow();
            PipelineGraph graph = pipelines.graph(run.pipeline(), Optional.of(run.pipelineVersion()));
            PipelineGraph.Instance instance = graph.instance(admitted.instance());
            RunRepository.InstanceRow row = runs.instances(c, run.id()).get(instance.id());
            Prepared prepared = prepare(c, run, graph, instance, admitted.attempt(), row,
                    runs.artifactsByInstance(c, run.id()));
            long seq = run.sequence() + 1;
            dispatch(c, run, instance, prepared.dispatched(), prepared.memoKey(), seq, admitted.reason()
                    + "; admitted to the pool's queue " + admitted.queue(), now);
            runs.updateRun(c, run.id(), run.state(), seq, null);
        }
    }

    /** An attempt as it is dispatched, and its memoization key (null for a step that is not memoized). */
    private record Prepared(StepDispatched dispatched, String memoKey) {
    }

    /**
     * The attempt's dispatch, with the artifacts of its upstream instances ({@code artifacts}, by instance) as inputs,
     * whether it starts now or when the pool admits it: the same either way.
     */
    private Prepared prepare(Connection c, RunRepository.LockedRun run, PipelineGraph graph,
                             PipelineGraph.Instance instance, int attempt, RunRepository.InstanceRow row,
                             Map<String, List<MemoKey.Input>> artifacts) throws SQLException {
        List<MemoKey.Input> inputs = new ArrayList<>();
        instance.upstream().forEach(up -> inputs.addAll(artifacts.getOrDefault(up, List.of())));
        // a retry resumes from the checkpoint an earlier attempt left, given as one more input (not part of the
        // memoization key: the result is the same, only reached sooner)
        List<MemoKey.Input> given = new ArrayList<>(inputs);
        runs.checkpointBefore(c, run.id(), instance.id(), attempt).ifPresent(given::add);
        StepDispatched dispatched = dispatched(run, graph, instance, attempt, row.memoryBytes(instance.step()),
                given);
        String key = instance.step().memoize().isEmpty() ? null : MemoKey.of(run.pipeline(), instance.step().name(),
                instance.step().executor().yamlName(), dispatched.params(), inputs);
        return new Prepared(dispatched, key);
    }

    /**
     * The attempt's room in the pool is free again: it ended, whatever its end.
     *
     * @return whether the pool decided on it, and so may have changed other steps of the run
     */
    private boolean release(Connection c, String runId, String instance, int attempt, Instant now)
            throws SQLException {
        if (!pooled) {
            return false;
        }
        Optional<String> workload = runs.workload(c, runId, instance);
        if (workload.isPresent()) {
            for (Decision decision : pool.handleAll(c, List.of(new PoolEvent.Finished(workload.get(), now)))) {
                act(c, decision, now);
            }
        }
        return workload.isPresent();
    }

    /**
     * Acts on what the pool decided: announces each admission of a step's workload
     * ({@code dev.quiver.pool.workload.admitted}; the step is dispatched at the end of the transaction) and stops the
     * running attempts the pool preempted: each ends as preempted (not a failure, and not counted against its step's
     * retries), its executor is told to kill it, and its step waits in the pool again under the same workload.
     */
    private void act(Connection c, Decision decision, Instant now) throws SQLException {
        for (Decision.Admission admission : decision.admitted()) {
            Optional<RunRepository.Holder> step = runs.queuedFor(c, admission.id());
            if (step.isPresent()) {
                Workload workload = admission.workload();
                Map<String, String> request = new LinkedHashMap<>();
                pool.spec().resources().forEach(resource -> request.put(resource,
                        Quantity.format(workload.request().getOrDefault(resource, 0L))));
                double waited = Math.max(0, Duration.between(admission.queuedAt(), decision.at()).toNanos() / 1e9);
                outbox.add(c, EventTypes.POOL_WORKLOAD_ADMITTED, step.get().runId(), step.get().instance(),
                        new WorkloadAdmitted(workload.id(), workload.queue(), workload.priorityClass(),
                                workload.priority(), workload.pods(), request, admission.borrowing(),
                                admission.queuedAt(), decision.at(), waited, step.get().runId(),
                                step.get().instance(), step.get().attempt()));
            }
        }
        for (Decision.Eviction eviction : decision.preempted()) {
            Optional<RunRepository.Holder> holder = runs.holder(c, eviction.id());
            if (holder.isEmpty()) {
                continue;
            }
            RunRepository.Holder stopped = holder.get();
            RunRepository.LockedRun run = runs.lock(c, stopped.runId()).orElseThrow();
            long seq = run.sequence() + 1;
            runs.preempted(c, stopped.runId(), stopped.instance(), stopped.attempt(), seq, eviction.message(), now);
            runs.updateRun(c, run.id(), run.state(), seq, null);
            outbox.add(c, EventTypes.STEP_PREEMPTED, run.id(), stopped.instance(), new StepPreempted(run.id(),
                    run.pipeline(), stopped.instance(), stopped.attempt(), eviction.by(), eviction.message()));
            LOG.infof("run %s: %s attempt %d preempted by %s (%s); it waits in the pool again", run.id(),
                    stopped.instance(), stopped.attempt(), eviction.by(), eviction.message());
        }
    }

    private static String workloadId(String runId, String instance, int attempt) {
        return runId + "/" + instance + "/" + attempt;
    }

    /** The step's priority class, else its pipeline's, else the pool's default. */
    private static String priorityClass(PoolSpec spec, PipelineGraph graph, PipelineGraph.Instance instance) {
        return instance.step().priority().or(() -> graph.spec().priority()).orElse(spec.work().defaultPriority());
    }

    private static String queue(PoolSpec spec, Map<String, Object> parameters) {
        return parameters.get(spec.work().queueParameter()) instanceof String named && !named.isBlank() ? named
                : spec.work().defaultQueue();
    }

    /**
     * The run's parameters with the queue of the caller's plan in its queue parameter, when the pool maps that plan
     * to a queue; as they are otherwise.
     */
    private Map<String, Object> planQueue(Optional<String> plan, Map<String, Object> parameters) {
        PoolSpec spec = pool.spec();
        Optional<String> queue = plan.filter(name -> pooled).map(spec.work().planQueues()::get);
        if (queue.isEmpty()) {
            return parameters;
        }
        String parameter = spec.work().queueParameter();
        Object named = parameters.get(parameter);
        if (named != null && !queue.get().equals(named)) {
            throw new RunRefusedException("parameters." + parameter + ": runs of callers on plan " + plan.get()
                    + " go to queue \"" + queue.get() + "\"; expected that or no " + parameter + ", got \"" + named
                    + "\"");
        }
        Map<String, Object> planned = new LinkedHashMap<>(parameters);
        planned.put(parameter, queue.get());
        return planned;
    }

    /**
     * A run whose pipeline or steps name a priority class the pool does not have is refused before it starts, and with
     * a pool file one whose queue parameter names no queue of it (without one, the parameter means nothing to Quiver).
     */
    private void refuseUnknownPoolNames(PipelineGraph graph, Map<String, Object> parameters) {
        PoolSpec spec = pool.spec();
        Map<String, Optional<String>> classes = new LinkedHashMap<>();
        classes.put("priority", graph.spec().priority());
        graph.spec().steps().forEach(step -> classes.put("steps." + step.name() + ".priority", step.priority()));
        classes.forEach((key, priority) -> {
            if (priority.isPresent() && !spec.priorityClasses().containsKey(priority.get())) {
                throw new RunRefusedException(key + ": pipeline " + graph.spec().name() + " names the priority class \""
                        + priority.get() + "\", which the pool does not have; expected one of "
                        + String.join(", ", spec.priorityClasses().keySet()));
            }
        });
        if (!pooled) {
            return;
        }
        Object named = parameters.get(spec.work().queueParameter());
        if (named != null && !(named instanceof String)) {
            throw new RunRefusedException("parameters." + spec.work().queueParameter() + ": expected the name of "
                    + "a queue of the pool, one of " + String.join(", ", spec.queues().keySet()));
        }
        String queue = queue(spec, parameters);
        if (!spec.queues().containsKey(queue)) {
            throw new RunRefusedException("parameters." + spec.work().queueParameter() + ": the pool has no queue \""
                    + queue + "\"; expected one of " + String.join(", ", spec.queues().keySet()));
        }
    }

    /** The {@code records} the upstream instances reported in their metrics, summed; null when none did. */
    private Double inputRecords(Connection c, String runId, PipelineGraph.Instance instance) throws SQLException {
        Map<String, String> metrics = runs.metricsByInstance(c, runId);
        Double total = null;
        for (String upstream : instance.upstream()) {
            String stored = metrics.get(upstream);
            if (stored != null && runs.read(stored).get("records") instanceof Number records) {
                total = (total == null ? 0 : total) + records.doubleValue();
            }
        }
        return total;
    }

    private StepDispatched dispatched(RunRepository.LockedRun run, PipelineGraph graph,
                                      PipelineGraph.Instance instance, int attempt, long memoryBytes,
                                      List<MemoKey.Input> inputs) {
        StepSpec step = instance.step();
        Map<String, Object> params = new LinkedHashMap<>(step.params());
        params.putAll(run.parameters());
        params.putAll(instance.item());
        return new StepDispatched(run.id(), graph.spec().name(), graph.spec().version(), step.name(), instance.id(),
                attempt, step.executor().yamlName(), params, step.resources().cpuMillis(),
                memoryBytes, step.resources().gpus(), step.resources().workers(),
                step.deadline().map(Duration::toSeconds).orElse(null), inputs.stream().map(input ->
                        new StepDispatched.Input(input.instance(), input.name(), input.uri(), input.digest()))
                        .toList(), queue(pool.spec(), run.parameters()), priorityClass(pool.spec(), graph, instance));
    }
}
