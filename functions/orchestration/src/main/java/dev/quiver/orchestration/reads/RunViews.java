package dev.quiver.orchestration.reads;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the read API answers, as JSON. */
public final class RunViews {

    private RunViews() {
    }

    public record RunSummary(String id, String pipeline, int pipelineVersion, String state, Instant createdAt,
                             Instant finishedAt) {
    }

    public record Run(String id, String pipeline, int pipelineVersion, String state, Map<String, Object> parameters,
                      String requestedBy, Instant createdAt, Instant finishedAt, List<Step> steps) {
    }

    /** A step instance; {@code reason} says why it runs, waits, was skipped or failed. */
    public record Step(String instance, String step, String state, int attempt, String reason,
                       Map<String, Object> outputs, Map<String, Object> metrics, Instant lastHeartbeatAt) {
    }

    /** @param decision what the retry decision made of it, when it failed */
    public record Attempt(int attempt, String state, Instant dispatchedAt, Instant finishedAt, String errorClass,
                          Integer exitCode, Boolean killedForMemory, String message, Map<String, Object> params,
                          List<Artifact> artifacts, Decision decision) {
    }

    /** A retry decision as recorded: the action, why, on what evidence, and what it set for the next attempt. */
    public record Decision(String action, List<String> reasons, Map<String, Object> evidence, long delayMillis,
                           Long memoryBytes, String upstream, Instant decidedAt) {
    }

    public record Artifact(String name, String uri, String digest) {
    }

    /** A step instance with every attempt, and the time series its current attempt has. */
    public record StepDetail(Step step, List<Attempt> attempts, List<String> series) {
    }

    public record Sample(Instant at, double value) {
    }

    /** Where an artifact came from: the attempt that produced it, its parameters and the artifacts it was given. */
    public record Producer(String runId, String pipeline, int pipelineVersion, String instance, int attempt,
                           Map<String, Object> params, List<Input> inputs) {
    }

    /** An artifact an attempt was given: produced by an upstream instance of the same run. */
    public record Input(String instance, Artifact artifact) {
    }

    /** A run that used a dataset, and the artifacts (models) the run produced. */
    public record Use(String runId, String pipeline, int pipelineVersion, String state, List<Output> produced) {
    }

    public record Output(String instance, int attempt, Artifact artifact) {
    }

    /** An operator's order about a run, with who asked and why. */
    public record Control(long sequence, String action, String instance, String requestedBy, String reason,
                          Instant requestedAt) {
    }
}
