package dev.quiver.orchestration.pipeline;

import dev.quiver.configfile.FieldError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a well-formed pipeline must also be: step names unique, dependencies on steps that exist, no cycle, and trigger
 * rules that can hold. Returns every problem, each with its path; the parser puts it on the line of the setting the
 * path names. A step or a dependency whose name could not be read (blank) is left to the parser's problem about it.
 */
public final class PipelineValidator {

    private PipelineValidator() {
    }

    public static List<FieldError> validate(PipelineSpec spec) {
        List<FieldError> problems = new ArrayList<>();
        Map<String, StepSpec> steps = new LinkedHashMap<>();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < spec.steps().size(); i++) {
            StepSpec step = spec.steps().get(i);
            if (step.name().isEmpty()) {
                continue;
            }
            if (steps.putIfAbsent(step.name(), step) != null) {
                problems.add(new FieldError("steps[" + i + "].name", "step \"" + step.name()
                        + "\" is declared twice (first at line " + steps.get(step.name()).line() + ")"));
            } else {
                index.put(step.name(), i);
            }
        }
        for (int i = 0; i < spec.steps().size(); i++) {
            StepSpec step = spec.steps().get(i);
            String path = "steps[" + i + "]";
            int upstreamInstances = 0;
            for (int d = 0; d < step.depends().size(); d++) {
                StepSpec.Dependency dependency = step.depends().get(d);
                if (dependency.step().isEmpty()) {
                    continue;
                }
                StepSpec upstream = steps.get(dependency.step());
                if (dependency.step().equals(step.name())) {
                    problems.add(new FieldError(path + ".depends[" + d + "]", "a step cannot depend on itself"));
                } else if (upstream == null) {
                    problems.add(new FieldError(path + ".depends[" + d + "]", "unknown step \"" + dependency.step()
                            + "\"; expected one of " + String.join(", ", steps.keySet())));
                } else {
                    upstreamInstances += Math.max(1, upstream.forEach().size());
                }
            }
            TriggerRule trigger = step.trigger();
            if (step.depends().isEmpty() && !trigger.equals(TriggerRule.ALL_SUCCESS)
                    && trigger.kind() != TriggerRule.Kind.ALWAYS) {
                problems.add(new FieldError(path + ".trigger", "trigger " + trigger + " needs upstream steps, and this "
                        + "step has no depends"));
            }
            if (trigger.kind() == TriggerRule.Kind.AT_LEAST && upstreamInstances > 0
                    && trigger.quorum() > upstreamInstances) {
                problems.add(new FieldError(path + ".trigger.at-least", "asks for " + trigger.quorum() + " upstream "
                        + "successes but the step has " + upstreamInstances + " upstream step instances"));
            }
            if (step.retrigger() && step.depends().isEmpty()) {
                problems.add(new FieldError(path + ".retrigger", "retrigger reruns a step when an upstream step "
                        + "succeeds again, and this step has no depends"));
            }
        }
        cycle(spec, steps, index).ifPresent(problems::add);
        return problems;
    }

    /** The first cycle found, as the path of steps around it. */
    private static Optional<FieldError> cycle(PipelineSpec spec, Map<String, StepSpec> steps,
                                              Map<String, Integer> index) {
        Set<String> done = new HashSet<>();
        for (StepSpec start : spec.steps()) {
            List<String> trail = new ArrayList<>();
            Optional<List<String>> found = visit(start.name(), steps, done, new HashSet<>(), trail);
            if (found.isPresent()) {
                List<String> loop = found.get();
                StepSpec first = steps.get(loop.getFirst());
                return Optional.of(new FieldError("steps[" + index.get(first.name()) + "].depends", "the dependencies "
                        + "form a cycle (each step depends on the next): " + String.join(" -> ", loop)));
            }
        }
        return Optional.empty();
    }

    private static Optional<List<String>> visit(String name, Map<String, StepSpec> steps, Set<String> done,
                                                          Set<String> onTrail, List<String> trail) {
        if (done.contains(name) || !steps.containsKey(name)) {
            return Optional.empty();
        }
        if (onTrail.contains(name)) {
            List<String> loop = new ArrayList<>(trail.subList(trail.indexOf(name), trail.size()));
            loop.add(name);
            return Optional.of(loop);
        }
        onTrail.add(name);
        trail.add(name);
        for (StepSpec.Dependency dependency : steps.get(name).depends()) {
            if (!dependency.step().equals(name)) {
                Optional<List<String>> found = visit(dependency.step(), steps, done, onTrail, trail);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        trail.removeLast();
        onTrail.remove(name);
        done.add(name);
        return Optional.empty();
    }
}
