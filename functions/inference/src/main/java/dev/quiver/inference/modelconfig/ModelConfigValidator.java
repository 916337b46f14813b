package dev.quiver.inference.modelconfig;

import dev.quiver.configfile.FieldError;
import java.util.ArrayList;
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
        names(problems, "inputs", spec.inputNames());
        names(problems, "outputs", spec.outputNames());
        return problems;
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
