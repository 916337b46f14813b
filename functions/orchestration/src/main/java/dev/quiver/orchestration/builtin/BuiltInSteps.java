package dev.quiver.orchestration.builtin;

import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.digest.Sha256;
import dev.quiver.orchestration.events.EventLogContext;
import dev.quiver.orchestration.executors.StepReports;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import dev.quiver.orchestration.reads.RunReads;
import dev.quiver.orchestration.reads.RunViews;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.storage.ModelRepository;
import dev.quiver.storage.ModelRepositoryLayout;
import dev.quiver.storage.ModelRepositoryListing;
import dev.quiver.storage.S3Config;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The steps that run inside the function: {@code select-models} picks the best upstream models by a recorded metric
 * ({@code metric}, {@code top} (1), {@code threshold} (none), {@code lower-is-better} (false)), and
 * {@code publish-model} puts the best selected model ({@code all: true}: every selected one, best first) into the
 * inference function's model repository ({@code quiver.orchestration.model-repository}, a folder or
 * {@code s3://bucket/prefix} in the store of {@code quiver.storage.s3.*}) as the next
 * versions of {@code model}, the best last so that it is the latest, and with {@code serve-latest: N} has the
 * inference function serve the latest N versions. A {@code baseline.json} beside a model file (the trainer writes
 * one) goes beside the version's model. Publishing is idempotent by content: a model
 * whose digest a version already has is not published again. {@code aggregate-predictions} is
 * {@link PredictionAggregation}.
 */
@ApplicationScoped
public class BuiltInSteps {

    private static final Logger LOG = Logger.getLogger(BuiltInSteps.class);

    private final RunReads reads;
    private final Pipelines pipelines;
    private final StepReports reports;
    private final PredictionAggregation aggregation;
    private final Optional<String> repository;
    private final S3Config s3;
    /** Each step runs in the trace context it was started in, so that its inference calls join the run's trace. */
    private final ExecutorService threads = Context.taskWrapping(Executors.newVirtualThreadPerTaskExecutor());

    public BuiltInSteps(RunReads reads, Pipelines pipelines, StepReports reports, PredictionAggregation aggregation,
                        OrchestrationConfig config, S3Config s3) {
        this.reads = reads;
        this.pipelines = pipelines;
        this.reports = reports;
        this.aggregation = aggregation;
        this.repository = config.modelRepository();
        this.s3 = s3;
    }

    /** Starts the step and returns at once; it reports by itself. */
    public void start(StepDispatched step) {
        threads.submit(() -> {
            try (EventLogContext logged = EventLogContext.of(step.runId(), step.instance())) {
                switch (ExecutorKind.fromYaml(step.executor()).orElseThrow()) {
                    case SELECT_MODELS -> select(step);
                    case PUBLISH_MODEL -> publish(step);
                    default -> reports.completed(aggregation.run(step));
                }
            } catch (BuiltInStepException e) {
                fail(step, e.errorClass(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | IOException e) {
                LOG.errorf(e, "run %s: built-in step %s failed", step.runId(), step.instance());
                fail(step, "ExecutorError", e.getMessage());
            }
        });
    }

    @PreDestroy
    void stop() {
        threads.shutdownNow();
    }

    private void select(StepDispatched step) {
        ModelSelection.Criteria criteria;
        try {
            criteria = ModelSelection.Criteria.from(step.params());
        } catch (IllegalArgumentException e) {
            fail(step, "InvalidConfiguration", e.getMessage());
            return;
        }
        String metric = criteria.metric();
        ModelSelection.Selection selection = ModelSelection.select(candidates(step, metric), criteria);
        if (selection.chosen().isEmpty()) {
            fail(step, "BelowThreshold", selection.reason());
            return;
        }
        List<Map<String, Object>> chosen = new ArrayList<>();
        List<StepCompleted.Artifact> models = new ArrayList<>();
        for (ModelSelection.Candidate candidate : selection.chosen()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("instance", candidate.instance());
            entry.put(metric, candidate.value());
            entry.put("model", candidate.model());
            chosen.add(entry);
            models.add(new StepCompleted.Artifact("model-" + candidate.instance(), candidate.model(),
                    candidate.digest()));
        }
        reports.completed(new StepCompleted(step.runId(), step.instance(), step.attempt(),
                Map.of("selected", chosen, "reason", selection.reason()),
                Map.of(metric, selection.chosen().getFirst().value()), models));
    }

    /** Each upstream instance's metric and model artifact (the first artifact whose name starts with "model"). */
    private List<ModelSelection.Candidate> candidates(StepDispatched step, String metric) {
        PipelineGraph graph = pipelines.graph(step.pipeline(), Optional.of(step.pipelineVersion()));
        RunViews.Run run = reads.run(step.runId()).orElseThrow();
        List<ModelSelection.Candidate> candidates = new ArrayList<>();
        for (String upstream : graph.instance(step.instance()).upstream()) {
            RunViews.Step found = run.steps().stream().filter(s -> s.instance().equals(upstream)).findFirst()
                    .orElseThrow();
            if (!"SUCCEEDED".equals(found.state())) {
                continue;
            }
            Double value = found.metrics().get(metric) instanceof Number number ? number.doubleValue() : null;
            Optional<RunViews.Artifact> model = reads.step(step.runId(), upstream).orElseThrow().attempts().stream()
                    .filter(attempt -> attempt.attempt() == found.attempt()).findFirst()
                    .flatMap(attempt -> attempt.artifacts().stream()
                            .filter(artifact -> artifact.name().startsWith("model")).findFirst());
            candidates.add(new ModelSelection.Candidate(upstream, value, model.map(RunViews.Artifact::uri).orElse(null),
                    model.map(RunViews.Artifact::digest).orElse(null)));
        }
        return candidates;
    }

    private void publish(StepDispatched step) throws IOException {
        if (!(step.params().get("model") instanceof String model) || !ModelRepositoryLayout.isModelName(model)) {
            fail(step, "InvalidConfiguration", "params.model: required, the model name to publish under ("
                    + ModelRepositoryLayout.modelNameRule() + ")");
            return;
        }
        if (repository.isEmpty()) {
            fail(step, "InvalidConfiguration", "quiver.orchestration.model-repository: not set; expected the "
                    + "inference function's model repository, a folder or s3://bucket/prefix");
            return;
        }
        List<Path> sources = selectedModels(step, Boolean.TRUE.equals(step.params().get("all")));
        if (sources.isEmpty()) {
            fail(step, "MissingInput", "no upstream step left a model artifact on this machine (file: URI) to "
                    + "publish");
            return;
        }
        Optional<Integer> serveLatest;
        try {
            serveLatest = serveLatest(step.params());
        } catch (IllegalArgumentException e) {
            fail(step, "InvalidConfiguration", e.getMessage());
            return;
        }
        List<Long> versions = new ArrayList<>();
        List<StepCompleted.Artifact> published = new ArrayList<>();
        List<Long> baselines = new ArrayList<>();
        int fresh = 0;
        try (ModelRepository models = ModelRepository.open(repository.get(), s3.settings())) {
            if (serveLatest.isPresent()) {
                ServedVersions.require(models, model, serveLatest.get());
            }
            // the best goes last, so that it is the latest version, the one served by default
            for (Path source : sources.reversed()) {
                String digest = Sha256.of(source);
                Optional<Long> existing = versionWithDigest(models, model, digest);
                long version;
                if (existing.isPresent()) {
                    version = existing.get();
                } else {
                    version = models.addVersion(model, source);
                    fresh++;
                }
                versions.addFirst(version);
                Path baseline = source.resolveSibling(ModelRepositoryLayout.BASELINE_FILE);
                if (Files.isRegularFile(baseline)) {
                    // after the model, so a version is never without it for longer than this write; a version
                    // published again by its digest gets it now if it had none
                    models.addBaseline(model, version, baseline);
                    baselines.addFirst(version);
                }
                published.addFirst(new StepCompleted.Artifact("model-v" + version,
                        models.locate(ModelRepositoryLayout.modelKey(model, version)), digest));
            }
        }
        LOG.infof("run %s: model %s versions %s published to %s (%d new)", step.runId(), model, versions,
                repository.get(), fresh);
        reports.completed(new StepCompleted(step.runId(), step.instance(), step.attempt(),
                Map.of("model", model, "version", versions.getFirst(), "versions", versions, "published", fresh,
                        "baselines", baselines),
                Map.of(), published));
    }

    private static Optional<Integer> serveLatest(Map<String, Object> params) {
        Object value = params.get("serve-latest");
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1
                || ((Number) value).longValue() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("params.serve-latest: expected a whole number from 1 (how many of the "
                    + "latest versions the inference function serves), got " + value);
        }
        return Optional.of(((Number) value).intValue());
    }

    /** The version of the model whose file has this digest, if one has. */
    private static Optional<Long> versionWithDigest(ModelRepository models, String model, String digest)
            throws IOException {
        Optional<ModelRepositoryListing.Model> listing = models.model(model);
        if (listing.isEmpty()) {
            return Optional.empty();
        }
        for (Map.Entry<Long, String> version : listing.get().versions().entrySet()) {
            try (InputStream in = models.store().open(version.getValue())) {
                if (digest.equals(Sha256.of(in))) {
                    return Optional.of(version.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The models to publish: of an upstream selection ({@code outputs.selected}) the best, or all of them, best first;
     * else the first model artifact of the upstream instances' latest successful attempts. Local files only.
     */
    private List<Path> selectedModels(StepDispatched step, boolean all) {
        PipelineGraph graph = pipelines.graph(step.pipeline(), Optional.of(step.pipelineVersion()));
        for (String upstream : graph.instance(step.instance()).upstream()) {
            Optional<RunViews.StepDetail> detail = reads.step(step.runId(), upstream);
            if (detail.isEmpty() || !"SUCCEEDED".equals(detail.get().step().state())) {
                continue;
            }
            if (detail.get().step().outputs().get("selected") instanceof List<?> selected && !selected.isEmpty()) {
                List<Path> models = new ArrayList<>();
                for (Object entry : all ? selected : selected.subList(0, 1)) {
                    if (entry instanceof Map<?, ?> chosen && chosen.get("model") instanceof String uri) {
                        local(uri).ifPresent(models::add);
                    }
                }
                return models;
            }
            int attempt = detail.get().step().attempt();
            for (RunViews.Attempt past : detail.get().attempts()) {
                if (past.attempt() != attempt) {
                    continue;
                }
                for (RunViews.Artifact artifact : past.artifacts()) {
                    if (artifact.name().startsWith("model")) {
                        Optional<Path> file = local(artifact.uri());
                        if (file.isPresent()) {
                            return List.of(file.get());
                        }
                    }
                }
            }
        }
        return List.of();
    }

    private static Optional<Path> local(String uri) {
        return FileArtifacts.path(uri).filter(Files::isRegularFile);
    }

    private void fail(StepDispatched step, String errorClass, String message) {
        reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), errorClass, null, false,
                message));
    }
}
