package dev.quiver.orchestration.builtin;

import dev.quiver.configfile.DurationText;
import dev.quiver.events.EventCodec;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.executors.AttemptFolders;
import dev.quiver.orchestration.reads.RunReads;
import dev.quiver.orchestration.reads.RunViews;
import dev.quiver.orchestration.runs.Pipelines;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code aggregate-predictions} step: batch inference with every version an upstream {@code publish-model} step
 * published, over held-out rows, and their combined answer. Each version's outputs are averaged row by row (an
 * ensemble of the class probabilities) and the combined class is the highest average. The step reports the accuracy
 * of each version ({@code accuracy-v<N>}) and of the combination ({@code accuracy}), and leaves the predictions as a
 * CSV artifact ({@code row,label,v<N>...,combined}).
 *
 * <p>Parameters: {@code data} (the input artifact holding the rows, default {@code holdout}: a headerless CSV of
 * numbers), {@code label-column} (default -1, the last), {@code input} and {@code output} (the model's tensor names,
 * default {@code input} and {@code output}), {@code batch-rows} (rows per request, default 256), {@code ready-timeout}
 * (how long a version may take to be served, default 60s); {@code model} and {@code versions} default to what the
 * upstream publish step published.
 */
@ApplicationScoped
public class PredictionAggregation {

    private static final Duration REPUBLISH_POLL = Duration.ofMillis(500);

    private final RunReads reads;
    private final Pipelines pipelines;
    private final InferenceEvents inference;
    private final AttemptFolders folders;
    private final Clock clock;

    @Inject
    public PredictionAggregation(RunReads reads, Pipelines pipelines, EventCodec codec, CloudEventSender sender,
                                 Clock clock, AttemptFolders folders, OrchestrationConfig config) {
        this(reads, pipelines, new InferenceEvents(sender, codec, config.inferenceUrl(), URI.create(config.source()),
                clock), clock, folders);
    }

    PredictionAggregation(RunReads reads, Pipelines pipelines, InferenceEvents inference, Clock clock,
                          AttemptFolders folders) {
        this.reads = reads;
        this.pipelines = pipelines;
        this.inference = inference;
        this.folders = folders;
        this.clock = clock;
    }

    StepCompleted run(StepDispatched step) throws IOException, InterruptedException {
        Parameters parameters = Parameters.from(step.params());
        Path data = holdout(step, parameters.data());
        LabelledRows rows;
        try {
            rows = LabelledRows.read(data, parameters.labelColumn());
        } catch (IllegalArgumentException e) {
            throw new BuiltInStepException("InvalidInput", e.getMessage());
        }

        Published published = published(step, parameters);
        Instant giveUp = clock.instant().plus(parameters.readyTimeout());
        List<float[][]> answers;
        while (true) {
            try {
                answers = answers(step, parameters, published, rows);
                break;
            } catch (BuiltInStepException e) {
                if (!InferenceEvents.VERSION_RETIRED.equals(e.errorClass())) {
                    throw e;
                }
                published = republished(step, parameters, published, giveUp, e);
            }
        }

        int[][] classes = new int[published.versions().size() + 1][rows.size()];
        for (int row = 0; row < rows.size(); row++) {
            float[] sum = new float[answers.getFirst()[row].length];
            for (int v = 0; v < answers.size(); v++) {
                float[] probabilities = answers.get(v)[row];
                if (probabilities.length != sum.length) {
                    throw new BuiltInStepException("InferenceRefused", "version " + published.versions().get(v)
                            + " answers " + probabilities.length + " classes, version "
                            + published.versions().getFirst() + " " + sum.length);
                }
                classes[v][row] = argmax(probabilities);
                for (int c = 0; c < sum.length; c++) {
                    sum[c] += probabilities[c];
                }
            }
            classes[answers.size()][row] = argmax(sum);
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Object> accuracies = new LinkedHashMap<>();
        for (int v = 0; v < published.versions().size(); v++) {
            double accuracy = accuracy(classes[v], rows.labels());
            metrics.put("accuracy-v" + published.versions().get(v), accuracy);
            accuracies.put(published.versions().get(v), accuracy);
        }
        double combined = accuracy(classes[answers.size()], rows.labels());
        metrics.put("accuracy", combined);
        metrics.put("rows", (double) rows.size());

        Path predictions = writePredictions(step, published.versions(), rows.labels(), classes);
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("model", published.model());
        outputs.put("versions", published.versions());
        outputs.put("rows", rows.size());
        outputs.put("accuracy-by-version", accuracies);
        outputs.put("combined-accuracy", combined);
        return new StepCompleted(step.runId(), step.instance(), step.attempt(), outputs, metrics,
                List.of(new StepCompleted.Artifact("predictions", predictions.toUri().toString(), null)));
    }

    private List<float[][]> answers(StepDispatched step, Parameters parameters, Published published, LabelledRows rows)
            throws InterruptedException {
        List<float[][]> answers = new ArrayList<>();
        for (String version : published.versions()) {
            float[][] answer = new float[rows.size()][];
            for (int from = 0; from < rows.size(); from += parameters.batchRows()) {
                int to = Math.min(rows.size(), from + parameters.batchRows());
                float[][] part = inference.predict(published.model(), version, parameters.input(),
                        parameters.output(), rows.features().subList(from, to), from == 0, parameters.readyTimeout(),
                        () -> retiredByItsRun(step, parameters, version));
                System.arraycopy(part, 0, answer, from, part.length);
            }
            answers.add(answer);
        }
        return answers;
    }

    /**
     * Whether the run retired {@code version} itself: its upstream publish step, which named the version, runs again
     * or has published others since. Versions given as parameters are never the run's to retire.
     */
    private boolean retiredByItsRun(StepDispatched step, Parameters parameters, String version) {
        if (parameters.versions().isPresent()) {
            return false;
        }
        try {
            return !published(step, parameters).versions().contains(version);
        } catch (BuiltInStepException e) {
            return true;
        }
    }

    /**
     * The versions the run's publish step published after retiring {@code before}'s, once it has: the step asks for
     * those instead of waiting for versions that will not be served again (and, the publish step having finished
     * after it started, runs once more anyway).
     */
    private Published republished(StepDispatched step, Parameters parameters, Published before, Instant giveUp,
                                  BuiltInStepException retired) throws InterruptedException {
        while (clock.instant().isBefore(giveUp)) {
            try {
                Published now = published(step, parameters);
                if (!now.equals(before)) {
                    return now;
                }
            } catch (BuiltInStepException e) {
                // the publish step runs again: its new versions are not recorded yet
            }
            Thread.sleep(REPUBLISH_POLL);
        }
        throw new BuiltInStepException("InferenceUnavailable", retired.getMessage() + "; the run published no other "
                + "versions within " + parameters.readyTimeout().toSeconds() + "s");
    }

    /** The model and versions to ask: the parameters, else what the nearest upstream publish step published. */
    private Published published(StepDispatched step, Parameters parameters) {
        Optional<String> model = parameters.model();
        Optional<List<String>> versions = parameters.versions();
        if (model.isEmpty() || versions.isEmpty()) {
            PipelineGraph graph = pipelines.graph(step.pipeline(), Optional.of(step.pipelineVersion()));
            for (String upstream : graph.instance(step.instance()).upstream()) {
                Optional<RunViews.Step> found = reads.step(step.runId(), upstream).map(RunViews.StepDetail::step)
                        .filter(s -> "SUCCEEDED".equals(s.state()));
                if (found.isPresent() && found.get().outputs().get("model") instanceof String name
                        && found.get().outputs().get("versions") instanceof List<?> published
                        && !published.isEmpty()) {
                    model = model.or(() -> Optional.of(name));
                    versions = versions.or(() -> Optional.of(published.stream().map(String::valueOf).toList()));
                    break;
                }
            }
        }
        if (model.isEmpty() || versions.isEmpty()) {
            throw new BuiltInStepException("InvalidConfiguration", "params.model and params.versions: not given, and "
                    + "no upstream step published a model (outputs model and versions)");
        }
        return new Published(model.get(), versions.get());
    }

    private static Path holdout(StepDispatched step, String name) {
        List<StepDispatched.Input> inputs = step.inputs() == null ? List.of() : step.inputs();
        StepDispatched.Input input = inputs.stream().filter(candidate -> candidate.name().equals(name)).findFirst()
                .orElseThrow(() -> new BuiltInStepException("MissingInput", "params.data: no upstream artifact named \""
                        + name + "\"; the upstream steps left " + inputs.stream().map(StepDispatched.Input::name)
                        .distinct().toList()));
        Path file = FileArtifacts.path(input.uri()).orElseThrow(() -> new BuiltInStepException("MissingInput",
                "artifact " + name + " of " + input.instance() + ": expected a file on this machine, got "
                        + input.uri()));
        if (!Files.isRegularFile(file)) {
            throw new BuiltInStepException("MissingInput", "artifact " + name + " of " + input.instance() + ": "
                    + file + " is gone");
        }
        return file;
    }

    private Path writePredictions(StepDispatched step, List<String> versions, int[] labels, int[][] classes)
            throws IOException {
        Path directory = folders.create(step);
        Path target = directory.resolve("predictions.csv");
        Path temporary = Files.createTempFile(directory, ".predictions-", ".csv");
        try (BufferedWriter out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            out.write("row,label," + String.join(",", versions.stream().map(v -> "v" + v).toList()) + ",combined");
            out.newLine();
            for (int row = 0; row < labels.length; row++) {
                StringBuilder line = new StringBuilder().append(row).append(',').append(labels[row]);
                for (int[] answer : classes) {
                    line.append(',').append(answer[row]);
                }
                out.write(line.toString());
                out.newLine();
            }
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double accuracy(int[] predicted, int[] labels) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                right++;
            }
        }
        return Math.round(10000.0 * right / labels.length) / 10000.0;
    }

    private record Published(String model, List<String> versions) {
    }

    /** The step's parameters, each refused by name when malformed. */
    record Parameters(String data, int labelColumn, String input, String output, int batchRows,
                      Duration readyTimeout, Optional<String> model, Optional<List<String>> versions) {

        static Parameters from(Map<String, Object> params) {
            return new Parameters(
                    text(params, "data", "holdout"),
                    whole(params, "label-column", -1, Integer.MIN_VALUE),
                    text(params, "input", "input"),
                    text(params, "output", "output"),
                    whole(params, "batch-rows", 256, 1),
                    duration(params, "ready-timeout", Duration.ofSeconds(60)),
                    Optional.ofNullable(params.get("model")).map(value -> text(params, "model", null)),
                    versions(params));
        }

        private static String text(Map<String, Object> params, String name, String fallback) {
            Object value = params.get(name);
            if (value == null) {
                return fallback;
            }
            if (!(value instanceof String text) || text.isBlank()) {
                throw invalid(name, "a non-empty text", value);
            }
            return text;
        }

        private static int whole(Map<String, Object> params, String name, int fallback, int minimum) {
            Object value = params.get(name);
            if (value == null) {
                return fallback;
            }
            // whole numbers arrive as Integer or Long, depending on where the parameters were read
            if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < minimum
                    || ((Number) value).longValue() > Integer.MAX_VALUE) {
                throw invalid(name, minimum == Integer.MIN_VALUE ? "a whole number" : "a whole number from "
                        + minimum, value);
            }
            return ((Number) value).intValue();
        }

        private static Duration duration(Map<String, Object> params, String name, Duration fallback) {
            Object value = params.get(name);
            if (value == null) {
                return fallback;
            }
            Optional<Duration> parsed = value instanceof String text ? DurationText.parse(text) : Optional.empty();
            if (parsed.isPresent() && parsed.get().isPositive()) {
                return parsed.get();
            }
            throw invalid(name, "a positive duration such as " + DurationText.FORMS, value);
        }

        private static Optional<List<String>> versions(Map<String, Object> params) {
            Object value = params.get("versions");
            if (value == null) {
                return Optional.empty();
            }
            if (!(value instanceof List<?> list) || list.isEmpty()
                    || !list.stream().allMatch(v -> v instanceof Integer || v instanceof Long || v instanceof String)) {
                throw invalid("versions", "a non-empty list of version numbers", value);
            }
            return Optional.of(list.stream().map(String::valueOf).toList());
        }

        private static BuiltInStepException invalid(String name, String expected, Object got) {
            return new BuiltInStepException("InvalidConfiguration", "params." + name + ": expected " + expected
                    + ", got " + got);
        }
    }
}
