package dev.quiver.inference.modelconfig;

import dev.quiver.configfile.FieldError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The value rules of a model configuration. Returns every broken rule with its path; an empty list means valid. */
public final class ModelConfigValidator {

    public static final int MAX_BATCH_SIZE = 65_536;
    public static final int MAX_INSTANCES = 64;
    public static final double MAX_MILLISECONDS = 10_000;
    public static final double MAX_TIMEOUT_MILLISECONDS = 600_000;
    public static final int MAX_WINDOW = 100_000;
    /** Fewer items than this say little about a distribution: PSI and KS are noise below it. */
    public static final int MIN_DRIFT_WINDOW = 50;
    public static final long MAX_WEIGHT = 1_000_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/-]{1,128}");
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

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
        drift(problems, spec.drift());
        names(problems, "inputs", spec.inputNames());
        names(problems, "outputs", spec.outputNames());
        if (spec.routing() != null) {
            problems.addAll(routing("routing.", spec.routing(), spec.versionPolicy()));
        }
        return problems;
    }

    private static void drift(List<FieldError> problems, DriftSpec drift) {
        if (drift == null) {
            return;
        }
        if (drift.psi() != null && !(drift.psi() > 0)) {
            problems.add(new FieldError("drift.psi", "must be above 0 (0.1 flags a moderate shift, 0.25 a major one), "
                    + "got " + drift.psi()));
        }
        if (drift.ksP() != null && !(drift.ksP() > 0 && drift.ksP() < 1)) {
            problems.add(new FieldError("drift.ks_p", "must be a p-value above 0 and below 1, got " + drift.ksP()));
        }
        range(problems, "drift.window", drift.window(), MIN_DRIFT_WINDOW, MAX_WINDOW);
        if (drift.sampleRate() != null && !(drift.sampleRate() > 0 && drift.sampleRate() <= 1)) {
            problems.add(new FieldError("drift.sample_rate", "must be above 0 and at most 1 (the share of requests "
                    + "sampled), got " + drift.sampleRate()));
        }
    }

    /**
     * The rules of a routing block ({@code prefix} {@code "routing."}) or of a {@code routing.json} (prefix empty).
     *
     * @param policy the model's version policy when known: versions it can never serve are refused
     */
    public static List<FieldError> routing(String prefix, RoutingSpec spec, VersionPolicy policy) {
        List<FieldError> problems = new ArrayList<>();
        Set<Long> specific = policy instanceof VersionPolicy.Specific given ? Set.copyOf(given.versions()) : null;
        spec.aliases().forEach((alias, version) -> {
            if (!ALIAS.matcher(alias).matches()) {
                problems.add(new FieldError(prefix + "aliases." + alias, "\"" + alias + "\" is not an alias: a letter "
                        + "then letters, digits and _ . -, at most 64 (a number would read as a version)"));
            }
            if (specific != null && !specific.contains(version)) {
                problems.add(new FieldError(prefix + "aliases." + alias, "version " + version + " is not served by "
                        + "the version policy (" + policy + ")"));
            }
        });
        long total = 0;
        for (Map.Entry<String, Long> weight : new TreeMap<>(spec.weights()).entrySet()) {
            String path = prefix + "weights." + weight.getKey();
            Long version = target(spec, weight.getKey());
            if (version == null) {
                problems.add(new FieldError(path, "\"" + weight.getKey() + "\" is neither a version number nor an "
                        + "alias; the aliases are " + new TreeSet<>(spec.aliases().keySet())));
            } else if (specific != null && weight.getValue() > 0 && !specific.contains(version)) {
                problems.add(new FieldError(path, "version " + version + " is not served by the version policy ("
                        + policy + ")"));
            }
            if (weight.getValue() < 0 || weight.getValue() > MAX_WEIGHT) {
                problems.add(new FieldError(path, "weights are between 0 and " + MAX_WEIGHT + ", got "
                        + weight.getValue()));
            } else {
                total += weight.getValue();
            }
        }
        if (!spec.weights().isEmpty() && total == 0) {
            problems.add(new FieldError(prefix + "weights", "at least one weight must be above 0 (leave weights out "
                    + "for the latest version to take all)"));
        }
        if (spec.stickyKey() != null && StickyKey.parse(spec.stickyKey()) == null) {
            problems.add(new FieldError(prefix + "sticky_key", "expected caller, header:<Name> or parameter:<name>, "
                    + "got \"" + spec.stickyKey() + "\""));
        }
        RoutingSpec.ShadowSpec shadow = spec.shadow();
        if (shadow != null) {
            if (shadow.target() != null) {
                Long version = target(spec, shadow.target());
                if (version == null) {
                    problems.add(new FieldError(prefix + "shadow.version", "\"" + shadow.target() + "\" is neither a "
                            + "version number nor an alias; the aliases are " + new TreeSet<>(spec.aliases().keySet())));
                } else if (specific != null && !specific.contains(version)) {
                    problems.add(new FieldError(prefix + "shadow.version", "version " + version + " is not served by "
                            + "the version policy (" + policy + ")"));
                }
            }
            if (shadow.share() != null && !(shadow.share() > 0 && shadow.share() <= 1)) {
                problems.add(new FieldError(prefix + "shadow.share", "must be above 0 and at most 1, got "
                        + shadow.share()));
            }
            if (shadow.compare() != null && !shadow.compare().equals("argmax") && !shadow.compare().equals("values")) {
                problems.add(new FieldError(prefix + "shadow.compare", "expected argmax or values, got \""
                        + shadow.compare() + "\""));
            }
        }
        return problems;
    }

    /**
     * The routing's references to versions the policy does not select from those present: a routing that names one
     * is refused while it does, and the routing before it stays in force.
     */
    public static List<FieldError> servedVersions(String prefix, Routing routing, Set<Long> served,
                                                  VersionPolicy policy) {
        List<FieldError> problems = new ArrayList<>();
        String servedNote = " is not served (the version policy, " + policy + ", selects " + new TreeSet<>(served) + ")";
        new TreeMap<>(routing.aliases()).forEach((alias, version) -> {
            if (!served.contains(version)) {
                problems.add(new FieldError(prefix + "aliases." + alias, "version " + version + servedNote));
            }
        });
        new TreeMap<>(routing.weights()).forEach((target, weight) -> routing.resolve(target)
                .filter(version -> weight > 0 && !served.contains(version))
                .ifPresent(version -> problems.add(new FieldError(prefix + "weights." + target, "version " + version
                        + servedNote))));
        routing.shadow().ifPresent(shadow -> routing.resolve(shadow.target())
                .filter(version -> !served.contains(version))
                .ifPresent(version -> problems.add(new FieldError(prefix + "shadow.version", "version " + version
                        + servedNote))));
        return problems;
    }

    private static Long target(RoutingSpec spec, String versionOrAlias) {
        Long aliased = spec.aliases().get(versionOrAlias);
        if (aliased != null) {
            return aliased;
        }
        return VERSION.matcher(versionOrAlias).matches() ? Long.parseLong(versionOrAlias) : null;
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
        if (Boolean.FALSE.equals(monitoring.labels()) && (minAccuracy != null || monitoring.maxMae() != null)) {
            problems.add(new FieldError("monitoring.labels", "false keeps no answer to join a label to, so "
                    + (minAccuracy != null ? "min_accuracy" : "max_mae") + " could never be judged; remove it or set "
                    + "labels: true"));
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
