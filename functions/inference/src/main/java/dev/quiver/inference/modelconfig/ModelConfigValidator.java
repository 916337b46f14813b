package dev.quiver.inference.modelconfig;

import dev.quiver.configfile.FieldError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The value rules of a model configuration. Returns every broken rule with its path; an empty list means valid. */
public final class ModelConfigValidator {

    public static final int MAX_BATCH_SIZE = 65_536;
    public static final int MAX_INSTANCES = 64;
    public static final double MAX_MILLISECONDS = 10_000;
    public static final double MAX_TIMEOUT_MILLISECONDS = 600_000;
    public static final int MAX_WINDOW = 100_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/-]{1,128}");

    private ModelConfigValidator() {
    }

    public static List<FieldError> validate(ModelConfigSpec spec) {
        List<FieldError> problems = new ArrayList<>();
        switch (spec.versionPolicy()) {
            case VersionPolicy.Latest latest when latest.count() < 1 ->
                    problems.add(new FieldError("version_policy.latest", "must be at least 1, got " + latest.count()));
            case VersionPolicy.Specific specific -> {
                if (specific.versions().isEmpty()) {
                    problems.add(new FieldError("version_policy.specific", "list at least one version"));
                }
                for (int i = 0; i < specific.versions().size(); i++) {
                    if (specific.versions().get(i) < 1) {
                        problems.add(new FieldError("version_policy.specific[" + i + "]", "versions are positive, got "
                                + specific.versions().get(i)));
                    }
                }
            }
            case null, default -> {
            }
        }
        range(problems, "max_batch_size", spec.maxBatchSize(), 0, MAX_BATCH_SIZE);
        range(problems, "instances", spec.instances(), 1, MAX_INSTANCES);
        range(problems, "threads.intra_op", spec.intraOpThreads(), 0, 1024);
        range(problems, "threads.inter_op", spec.interOpThreads(), 0, 1024);
        milliseconds(problems, "max_queue_delay_ms", spec.maxQueueDelayMs());
        milliseconds(problems, "inline_max_compute_ms", spec.inlineMaxComputeMs());
        if (spec.timeoutMs() != null && !(spec.timeoutMs() > 0 && spec.timeoutMs() <= MAX_TIMEOUT_MILLISECONDS)) {
            problems.add(new FieldError("timeout_ms", "must be above 0 and at most " + (long) MAX_TIMEOUT_MILLISECONDS
                    + " (Knative's longest request), got " + spec.timeoutMs()));
        }
        range(problems, "output_checks.failures", spec.outputCheckFailures(), 1, MAX_WINDOW);
        range(problems, "output_checks.window", spec.outputCheckWindow(), 1, MAX_WINDOW);
        if (spec.outputCheckFailures() != null && spec.outputCheckWindow() != null
                && spec.outputCheckFailures() > spec.outputCheckWindow()) {
            problems.add(new FieldError("output_checks.failures", "must be at most the window ("
                    + spec.outputCheckWindow() + "), got " + spec.outputCheckFailures()));
        }
        monitoring(problems, spec.monitoring());
        fallback(problems, spec.fallback());
        names(problems, "inputs", spec.inputNames());
        names(problems, "outputs", spec.outputNames());
        return problems;
    }

    private static void monitoring(List<FieldError> problems, MonitoringSpec monitoring) {
        Double minAccuracy = monitoring.minAccuracy();
        if (minAccuracy != null && !(minAccuracy >= 0 && minAccuracy <= 1)) {
            problems.add(new FieldError("monitoring.min_accuracy", "must be a share between 0 and 1, got "
                    + minAccuracy));
        }
        if (monitoring.maxMae() != null && monitoring.maxMae() < 0) {
            problems.add(new FieldError("monitoring.max_mae", "must be 0 or more, got " + monitoring.maxMae()));
        }
        range(problems, "monitoring.min_labels", monitoring.minLabels(), 1, MAX_WINDOW);
        if (monitoring.maxPredictionShift() != null && !(monitoring.maxPredictionShift() > 0)) {
            problems.add(new FieldError("monitoring.max_prediction_shift", "must be above 0 (a population stability "
                    + "index; 0.1 is a small shift, 0.25 a large one), got " + monitoring.maxPredictionShift()));
        }
    }

    private static void fallback(List<FieldError> problems, List<FallbackSpec> steps) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            FallbackSpec step = steps.get(i);
            String path = "fallback[" + i + "]";
            if (!seen.add(step.toString())) {
                problems.add(new FieldError(path, step + " is already in the chain"));
            }
            switch (step) {
                case FallbackSpec.Model model when !NAME.matcher(model.name()).matches() ->
                        problems.add(new FieldError(path + ".model", "\"" + model.name() + "\" is not a model name"));
                case FallbackSpec.DefaultOutputs outputs when !fileName(outputs.file()) ->
                        problems.add(new FieldError(path + ".default_outputs", "expected a file in the model's folder, "
                                + "got \"" + outputs.file() + "\""));
                case FallbackSpec.KeyedAnswers answers when !fileName(answers.file()) ->
                        problems.add(new FieldError(path + ".answers", "expected a file in the model's folder, got \""
                                + answers.file() + "\""));
                default -> {
                }
            }
        }
    }

    /** A path inside the model's folder: relative, without {@code ..}. */
    private static boolean fileName(String file) {
        return !file.isBlank() && !file.startsWith("/") && !file.contains("\\")
                && Arrays.stream(file.split("/")).noneMatch(part -> part.isEmpty() || part.equals(".."));
    }

    private static void milliseconds(List<FieldError> problems, String path, Double value) {
        if (value != null && !(value >= 0 && value <= MAX_MILLISECONDS)) {
            problems.add(new FieldError(path, "must be between 0 and " + (long) MAX_MILLISECONDS + ", got " + value));
        }
    }

    private static void range(List<FieldError> problems, String path, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            problems.add(new FieldError(path, "must be between " + min + " and " + max + ", got " + value));
        }
    }

    private static void names(List<FieldError> problems, String path, Map<String, String> renames) {
        Set<String> seen = new HashSet<>();
        renames.forEach((onnxName, publicName) -> {
            if (!NAME.matcher(publicName).matches()) {
                problems.add(new FieldError(path + "." + onnxName, "\"" + publicName + "\" is not a valid name "
                        + "(letters, digits and _ . : / -, at most 128)"));
            }
            if (!seen.add(publicName)) {
                problems.add(new FieldError(path + "." + onnxName, "\"" + publicName + "\" is already the name of "
                        + "another " + path.substring(0, path.length() - 1)));
            }
        });
    }
}
