package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureEvidence.BudgetLeft;
import dev.quiver.orchestration.retry.FailureEvidence.Failure;
import dev.quiver.orchestration.retry.FailureEvidence.Input;
import dev.quiver.orchestration.retry.FailureEvidence.PastAttempt;
import dev.quiver.orchestration.retry.FailureEvidence.QualityBar;
import dev.quiver.orchestration.retry.FailureEvidence.Sample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The evidence of a failed attempt, built up one fact at a time; what a scenario leaves out is unremarkable: a 256 MiB
 * limit, no samples, no earlier attempts, plenty of retry budget. The attempt starts at {@link #STARTED}, and a series
 * given as bare values is one sample a minute from then.
 */
final class Evidence {

    static final Instant STARTED = Instant.parse("2026-03-02T09:00:00Z");
    static final long MIB = 1024L * 1024;

    private final int attempt;
    private final String errorClass;
    private Integer exitCode;
    private boolean killedForMemory;
    private final List<PastAttempt> earlier = new ArrayList<>();
    private final List<Sample> memory = new ArrayList<>();
    private long memoryLimitBytes = 256 * MIB;
    private final List<Sample> progress = new ArrayList<>();
    private final Map<String, List<Sample>> metrics = new HashMap<>();
    private final Map<String, Boolean> dataChecks = new HashMap<>();
    private final List<Input> inputs = new ArrayList<>();
    private Duration sinceFirstAttempt = Duration.ofMinutes(5);
    private Optional<Duration> deadline = Optional.empty();
    private Optional<QualityBar> qualityBar = Optional.empty();
    private boolean partialResult;
    private int upstreamReruns;
    private int pipelineBudgetLeft = 10;
    private int tenantBudgetLeft = 100;

    private Evidence(int attempt, String errorClass) {
        this.attempt = attempt;
        this.errorClass = errorClass;
    }

    static Evidence attempt(int attempt, String errorClass) {
        return new Evidence(attempt, errorClass);
    }

    Evidence exitCode(int code) {
        exitCode = code;
        return this;
    }

    Evidence killedForMemory() {
        killedForMemory = true;
        return this;
    }

    /** An earlier attempt of the same instance, numbered in the order given. */
    Evidence earlier(String errorClass, Integer exitCode, Double peakProgress) {
        earlier.add(new PastAttempt(earlier.size() + 1, errorClass, exitCode, false, peakProgress, memoryLimitBytes));
        return this;
    }

    Evidence memoryMiB(double... mebibytes) {
        for (double value : mebibytes) {
            memory.add(new Sample(STARTED.plus(Duration.ofMinutes(memory.size())), value * MIB));
        }
        return this;
    }

    Evidence limitMiB(long mebibytes) {
        memoryLimitBytes = mebibytes * MIB;
        return this;
    }

    Evidence progress(Duration afterStart, double percent) {
        progress.add(new Sample(STARTED.plus(afterStart), percent));
        return this;
    }

    Evidence metric(String name, double... values) {
        List<Sample> series = new ArrayList<>();
        for (double value : values) {
            series.add(new Sample(STARTED.plus(Duration.ofMinutes(series.size())), value));
        }
        metrics.put(name, series);
        return this;
    }

    Evidence dataCheck(String name, boolean passed) {
        dataChecks.put(name, passed);
        return this;
    }

    /** An input there ({@code true}) or gone ({@code false}). */
    Evidence input(String producer, String name, boolean available) {
        return input(producer, name, available ? FailureEvidence.Availability.PRESENT
                : FailureEvidence.Availability.GONE);
    }

    Evidence input(String producer, String name, FailureEvidence.Availability availability) {
        inputs.add(new Input(producer, name, "file:///artifacts/" + name, availability));
        return this;
    }

    Evidence sinceFirstAttempt(Duration elapsed) {
        sinceFirstAttempt = elapsed;
        return this;
    }

    Evidence deadline(Duration perAttempt) {
        deadline = Optional.of(perAttempt);
        return this;
    }

    Evidence qualityBar(String metric, double threshold, String source) {
        qualityBar = Optional.of(new QualityBar(metric, threshold, false, source));
        return this;
    }

    Evidence partialResult() {
        partialResult = true;
        return this;
    }

    Evidence upstreamReruns(int reruns) {
        upstreamReruns = reruns;
        return this;
    }

    Evidence budgetLeft(int pipeline, int tenant) {
        pipelineBudgetLeft = pipeline;
        tenantBudgetLeft = tenant;
        return this;
    }

    FailureEvidence build() {
        Instant failedAt = STARTED.plus(Duration.ofHours(1));
        return new FailureEvidence(new Failure(attempt, errorClass, exitCode, killedForMemory, "failed"), earlier,
                memory, memoryLimitBytes, progress, metrics, dataChecks, inputs, STARTED, failedAt, sinceFirstAttempt,
                deadline, qualityBar, partialResult, upstreamReruns,
                new BudgetLeft("digits", pipelineBudgetLeft, "acme", tenantBudgetLeft));
    }
}
