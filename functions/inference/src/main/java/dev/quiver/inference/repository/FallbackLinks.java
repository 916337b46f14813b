package dev.quiver.inference.repository;

import dev.quiver.inference.modelconfig.FallbackSpec;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the links of fallback chains between models, which no single model can check alone: a chain that comes back
 * to its own model (a cycle), a model that is not in the repository, and a model whose inputs or outputs do not fit
 * (each of its inputs must be one of ours by name, and each of our outputs one of its, with the same datatype and
 * shape).
 */
final class FallbackLinks {

    private FallbackLinks() {
    }

    /**
     * @param configs    every model's configuration in force
     * @param signatures the signature of every model with a ready version
     * @return why the chain of {@code model} is refused, or empty
     */
    static Optional<String> problem(String model, Map<String, ModelConfig> configs,
                                    Map<String, ModelSignature> signatures) {
        ModelConfig config = configs.get(model);
        if (config == null) {
            return Optional.empty();
        }
        List<FallbackSpec> steps = config.fallback();
        for (int i = 0; i < steps.size(); i++) {
            if (!(steps.get(i) instanceof FallbackSpec.Model link)) {
                continue;
            }
            String path = "fallback[" + i + "].model";
            if (!configs.containsKey(link.name())) {
                return Optional.of(path + ": no model \"" + link.name() + "\" in the repository");
            }
            List<String> cycle = cycle(model, link.name(), configs, new ArrayList<>(List.of(model)));
            if (cycle != null) {
                return Optional.of(path + ": the chain comes back to " + model + " (" + String.join(" -> ", cycle)
                        + ")");
            }
            ModelSignature ours = signatures.get(model);
            ModelSignature theirs = signatures.get(link.name());
            if (ours != null && theirs != null) {
                Optional<String> misfit = misfit(ours, theirs, link.name());
                if (misfit.isPresent()) {
                    return Optional.of(path + ": " + misfit.get());
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> cycle(String origin, String next, Map<String, ModelConfig> configs, List<String> path) {
        path.add(next);
        if (next.equals(origin)) {
            return path;
        }
        if (path.subList(0, path.size() - 1).contains(next)) {
            return null;
        }
        ModelConfig config = configs.get(next);
        if (config != null) {
            for (FallbackSpec step : config.fallback()) {
                if (step instanceof FallbackSpec.Model link) {
                    List<String> found = cycle(origin, link.name(), configs, new ArrayList<>(path));
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    private static Optional<String> misfit(ModelSignature ours, ModelSignature theirs, String name) {
        for (TensorSpec input : theirs.inputs()) {
            Optional<TensorSpec> given = ours.input(input.name());
            if (given.isEmpty() || !fits(given.get(), input)) {
                return Optional.of("model " + name + " needs input " + input + ", which this model's inputs "
                        + ours.inputs() + " do not give");
            }
        }
        for (TensorSpec output : ours.outputs()) {
            Optional<TensorSpec> answered = theirs.output(output.name());
            if (answered.isEmpty() || !fits(answered.get(), output)) {
                return Optional.of("model " + name + " does not answer output " + output + " (its outputs are "
                        + theirs.outputs() + ")");
            }
        }
        return Optional.empty();
    }

    /** Same datatype and rank, and no fixed dimension that differs. */
    private static boolean fits(TensorSpec a, TensorSpec b) {
        long[] x = a.shape();
        long[] y = b.shape();
        if (a.datatype() != b.datatype() || x.length != y.length) {
            return false;
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i] >= 0 && y[i] >= 0 && x[i] != y[i]) {
                return false;
            }
        }
        return true;
    }
}
