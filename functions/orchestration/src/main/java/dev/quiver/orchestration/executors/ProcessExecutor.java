package dev.quiver.orchestration.executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.OrchestrationConfig;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The {@code process} executor of the embedded mode: runs a step's {@code command} as a local process and reports
 * back. The process gets its parameters as {@code QUIVER_PARAMS} (JSON) and {@code QUIVER_PARAM_<NAME>}, the
 * artifacts of its upstream steps as {@code QUIVER_INPUTS} (JSON: instance, name, uri, digest), may print
 * {@code ##quiver {"progress": 40, "metrics": {"epoch": 7, "accuracy": 0.8}, "data": {"training-set": true}}} lines
 * (and {@code "workers": {"worker-0": 120.5}}, each worker's throughput, for a step of several workers) to report progress (each line becomes a heartbeat at once: print one per epoch or phase, not per row; a line's
 * {@code "error": "NetworkError"} names the error class of a failure that follows, for the retry decision), and writes
 * {@code {"outputs", "metrics", "artifacts"}} to the file {@code QUIVER_OUTPUTS} before it ends. Every heartbeat
 * interval the executor sends a heartbeat with the process tree's resident memory against the step's memory limit; a
 * tree over the limit is killed and reported as {@code OutOfMemory} with {@code killedForMemory}, one past its
 * deadline as {@code DeadlineExceeded}, and any other non-zero exit as {@code ExitCode} (or the error class it named);
 * a failed attempt reports the artifacts it had written to {@code QUIVER_OUTPUTS} so far.
 */
@ApplicationScoped
public class ProcessExecutor {

    private static final Logger LOG = Logger.getLogger(ProcessExecutor.class);
    private static final String PROGRESS_PREFIX = "##quiver ";
    private static final int STDERR_TAIL = 20;

    private final StepReports reports;
    private final ObjectMapper json;
    private final Clock clock;
    private final AttemptFolders folders;
    private final Duration heartbeatInterval;
    /** Each step runs in the trace context it was started in, so that what it reports joins the run's trace. */
    private final ExecutorService threads = Context.taskWrapping(Executors.newVirtualThreadPerTaskExecutor());
    private final Map<StepDispatched, Process> running = new ConcurrentHashMap<>();
    private final Set<StepDispatched> stopped = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    @Inject
    public ProcessExecutor(StepReports reports, ObjectMapper json, Clock clock, AttemptFolders folders,
                           OrchestrationConfig config) {
        this(reports, json, clock, folders, config.processHeartbeatInterval());
    }

    ProcessExecutor(StepReports reports, ObjectMapper json, Clock clock, AttemptFolders folders,
                    Duration heartbeatInterval) {
        this.reports = reports;
        this.json = json;
        this.clock = clock;
        this.folders = folders;
        this.heartbeatInterval = heartbeatInterval;
    }

    /** Starts the attempt and returns at once; the attempt reports by itself. */
    public void start(StepDispatched step) {
        threads.submit(() -> {
            try {
                run(step);
            } catch (RuntimeException | IOException e) {
                LOG.errorf(e, "run %s: %s attempt %d could not be run", step.runId(), step.instance(), step.attempt());
                reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), "ExecutorError", null,
                        false, e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    // at the start of the shutdown, while the run store is still open
    void onShutdown(@Observes ShutdownEvent event) {
        stop();
    }

    /**
     * Stops the attempts running here with the function: each process tree is killed, and its attempt recorded as
     * interrupted, to run again on the next start rather than be left running or later failed as silent.
     */
    @PreDestroy
    void stop() {
        synchronized (running) {
            stopping = true;
        }
        for (StepDispatched step : List.copyOf(running.keySet())) {
            Process process = running.remove(step);
            if (process == null) {
                continue;
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                reports.interrupted(step.runId(), step.instance(), step.attempt(), "the function stopped");
            } catch (RuntimeException e) {
                LOG.warnf("run %s: %s attempt %d was stopped, and cannot be recorded as interrupted (%s); it fails "
                        + "as silent after the heartbeat timeout instead", step.runId(), step.instance(),
                        step.attempt(), e.getMessage());
            }
        }
        threads.shutdownNow();
    }

    /**
     * Kills the attempt's process tree, if it runs here: the pool gave its room to other work, or an operator stopped
     * it, and the orchestration has recorded the attempt's end already, so nothing is reported of it.
     *
     * @param why for the log: {@code preempted}, {@code cancelled}
     */
    public void stop(String runId, String instance, int attempt, String why) {
        for (Map.Entry<StepDispatched, Process> entry : running.entrySet()) {
            StepDispatched step = entry.getKey();
            if (step.runId().equals(runId) && step.instance().equals(instance) && step.attempt() == attempt) {
                stopped.add(step);
                entry.getValue().descendants().forEach(ProcessHandle::destroyForcibly);
                entry.getValue().destroyForcibly();
                LOG.infof("run %s: %s attempt %d killed: %s", runId, instance, attempt, why);
            }
        }
    }

    private void run(StepDispatched step) throws IOException, InterruptedException {
        List<String> command = command(step);
        if (command == null) {
            reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), "InvalidConfiguration", null,
                    false, "params.command: required, a list of strings (the program and its arguments)"));
            return;
        }
        Path directory = folders.create(step);
        Path outputs = directory.resolve("outputs.json");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        environment(builder.environment(), step, outputs);
        Process process;
        // started and registered under the lock stop() takes, so that stop() kills every process started before it
        synchronized (running) {
            if (stopping) {
                reports.interrupted(step.runId(), step.instance(), step.attempt(), "the function was stopping");
                return;
            }
            process = builder.start();
            running.put(step, process);
        }
        try {
            watch(step, process, outputs);
        } finally {
            running.remove(step);
        }
    }

    private void watch(StepDispatched step, Process process, Path outputs) throws IOException, InterruptedException {
        Attempt attempt = new Attempt(step, process);
        Context traced = Context.current();
        Thread stdout = Thread.ofVirtual().start(traced.wrap(() -> attempt.readProgress(
                process.inputReader(StandardCharsets.UTF_8))));
        Thread stderr = Thread.ofVirtual().start(traced.wrap(() -> attempt.readErrors(
                process.errorReader(StandardCharsets.UTF_8))));
        Instant deadline = step.deadlineSeconds() == null ? Instant.MAX
                : clock.instant().plusSeconds(step.deadlineSeconds());
        String killedFor = null;
        while (!process.waitFor(heartbeatInterval.toMillis(), TimeUnit.MILLISECONDS)) {
            long memory = attempt.memory();
            attempt.heartbeat(memory);
            if (memory > step.memoryBytes()) {
                killedFor = "OutOfMemory";
            } else if (clock.instant().isAfter(deadline)) {
                killedFor = "DeadlineExceeded";
            }
            if (killedFor != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
                break;
            }
        }
        stdout.join();
        stderr.join();
        if (stopping || stopped.remove(step)) {
            // killed by stop(), which recorded the attempt as interrupted, or preempted, which the pool recorded
            return;
        }
        int exit = process.exitValue();
        if (killedFor != null) {
            reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), killedFor, exit,
                    killedFor.equals("OutOfMemory"), killedFor.equals("OutOfMemory")
                    ? "killed at " + attempt.peakMemory + " bytes resident, over the limit of " + step.memoryBytes()
                    : "killed after its deadline of " + step.deadlineSeconds() + " s", leftBehind(outputs)));
        } else if (exit != 0) {
            reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(),
                    attempt.declaredError == null ? "ExitCode" : attempt.declaredError, exit, false,
                    "exited with " + exit + attempt.errorTail(), leftBehind(outputs)));
        } else {
            completed(step, outputs);
        }
    }

    /** What a step writes to {@code QUIVER_OUTPUTS}. */
    record OutputsFile(Map<String, Object> outputs, Map<String, Double> metrics,
                       List<StepCompleted.Artifact> artifacts) {
    }

    /**
     * The artifacts a failed step wrote to {@code QUIVER_OUTPUTS} before it failed (a checkpoint, the model of its
     * last good epoch), which the retry decision may accept; none when it wrote none or nothing readable.
     */
    private List<StepCompleted.Artifact> leftBehind(Path outputs) {
        try {
            OutputsFile written = json.readValue(outputs.toFile(), OutputsFile.class);
            return written.artifacts() == null ? List.of() : written.artifacts();
        } catch (IOException e) {
            return List.of();
        }
    }

    private void completed(StepDispatched step, Path outputs) throws IOException {
        OutputsFile written = new OutputsFile(Map.of(), Map.of(), List.of());
        if (Files.exists(outputs)) {
            try {
                written = json.readValue(outputs.toFile(), OutputsFile.class);
            } catch (JsonProcessingException e) {
                reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), "InvalidOutputs", 0,
                        false, "QUIVER_OUTPUTS: expected {\"outputs\": {...}, \"metrics\": {name: number}, "
                        + "\"artifacts\": [{name, uri, digest}]}: " + e.getOriginalMessage()));
                return;
            }
        }
        reports.completed(new StepCompleted(step.runId(), step.instance(), step.attempt(),
                written.outputs() == null ? Map.of() : written.outputs(),
                written.metrics() == null ? Map.of() : written.metrics(),
                written.artifacts() == null ? List.of() : written.artifacts()));
    }

    private List<String> command(StepDispatched step) {
        if (!(step.params().get("command") instanceof List<?> parts) || parts.isEmpty()) {
            return null;
        }
        List<String> command = new ArrayList<>();
        for (Object part : parts) {
            if (!(part instanceof String text)) {
                return null;
            }
            command.add(text);
        }
        return command;
    }

    private void environment(Map<String, String> environment, StepDispatched step, Path outputs) throws IOException {
        environment.put("QUIVER_RUN_ID", step.runId());
        environment.put("QUIVER_PIPELINE", step.pipeline());
        environment.put("QUIVER_STEP", step.step());
        environment.put("QUIVER_INSTANCE", step.instance());
        environment.put("QUIVER_ATTEMPT", Integer.toString(step.attempt()));
        environment.put("QUIVER_OUTPUTS", outputs.toString());
        environment.put("QUIVER_MEMORY_LIMIT_BYTES", Long.toString(step.memoryBytes()));
        environment.put("QUIVER_PARAMS", json.writeValueAsString(step.params()));
        environment.put("QUIVER_INPUTS", json.writeValueAsString(step.inputs() == null ? List.of() : step.inputs()));
        // the step's trace context, as OpenTelemetry's environment-variable carrier names it, for its own spans
        EventTracing.currentContext().forEach((name, value) -> environment.put(name.toUpperCase(Locale.ROOT), value));
        step.params().forEach((name, value) -> {
            if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                environment.put("QUIVER_PARAM_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"),
                        value.toString());
            }
        });
    }

    /** One running attempt: what it printed, and what it used. */
    private final class Attempt {

        private final StepDispatched step;
        private final Process process;
        private final Deque<String> errors = new ArrayDeque<>();
        private volatile String declaredError;
        private long peakMemory;

        Attempt(StepDispatched step, Process process) {
            this.step = step;
            this.process = process;
        }

        /** Each progress line is a heartbeat of its own, so that no epoch's figures are lost between two beats. */
        void readProgress(BufferedReader lines) {
            try (lines) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith(PROGRESS_PREFIX)) {
                        try {
                            progress(json.readTree(line.substring(PROGRESS_PREFIX.length())));
                        } catch (IOException e) {
                            LOG.debugf("run %s: %s printed a progress line that is not JSON: %s", step.runId(),
                                    step.instance(), line);
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debugf("run %s: %s output ended: %s", step.runId(), step.instance(), e.getMessage());
            }
        }

        void readErrors(BufferedReader lines) {
            try (lines) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    synchronized (errors) {
                        errors.addLast(line);
                        if (errors.size() > STDERR_TAIL) {
                            errors.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debugf("run %s: %s error output ended: %s", step.runId(), step.instance(), e.getMessage());
            }
        }

        String errorTail() {
            synchronized (errors) {
                return errors.isEmpty() ? "" : "; stderr: " + String.join("\n", errors);
            }
        }

        /** The resident memory of the process and its descendants, from {@code /proc}. */
        long memory() {
            long total = ResidentMemory.of(process.pid());
            for (ProcessHandle child : process.descendants().toList()) {
                total += ResidentMemory.of(child.pid());
            }
            peakMemory = Math.max(peakMemory, total);
            return total;
        }

        /** The periodic heartbeat: resident memory against the limit (its arrival also says the attempt lives). */
        void heartbeat(long memory) {
            reports.heartbeat(new StepHeartbeat(step.runId(), step.instance(), step.attempt(), clock.instant(),
                    null, memory, step.memoryBytes(), null, null));
        }

        private void progress(JsonNode line) {
            if (line.path("error").isTextual() && !line.get("error").asText().isBlank()) {
                declaredError = line.get("error").asText();
            }
            Double percent = line.path("progress").isNumber() ? line.get("progress").asDouble() : null;
            Map<String, Double> metrics = new LinkedHashMap<>();
            Map<String, Boolean> data = new LinkedHashMap<>();
            line.path("metrics").fields().forEachRemaining(field -> {
                if (field.getValue().isNumber()) {
                    metrics.put(field.getKey(), field.getValue().asDouble());
                }
            });
            line.path("data").fields().forEachRemaining(field -> {
                if (field.getValue().isBoolean()) {
                    data.put(field.getKey(), field.getValue().asBoolean());
                }
            });
            Map<String, Double> workers = new LinkedHashMap<>();
            line.path("workers").fields().forEachRemaining(field -> {
                if (field.getValue().isNumber()) {
                    workers.put(field.getKey(), field.getValue().asDouble());
                }
            });
            JsonNode saved = line.path("checkpoint");
            StepHeartbeat.Checkpoint checkpoint = saved.path("uri").isTextual() && !saved.get("uri").asText().isBlank()
                    ? new StepHeartbeat.Checkpoint(saved.get("uri").asText(),
                            saved.path("digest").isTextual() ? saved.get("digest").asText() : null)
                    : null;
            reports.heartbeat(new StepHeartbeat(step.runId(), step.instance(), step.attempt(), clock.instant(),
                    percent, null, null, metrics.isEmpty() ? null : metrics, data.isEmpty() ? null : data,
                    checkpoint, workers.isEmpty() ? null : workers));
        }
    }
}
