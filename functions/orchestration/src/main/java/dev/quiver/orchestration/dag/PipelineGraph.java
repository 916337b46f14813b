package dev.quiver.orchestration.dag;

import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.pipeline.StepSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated pipeline as the instances that run: a fanned-out step becomes one instance per parameter set
 * ({@code train[0]}, {@code train[1]}, ...), and a dependency on it is a dependency on all of them (fan-in). Instances
 * are kept in an order where every one comes after its upstream instances.
 */
public final class PipelineGraph {

    /**
     * One instance of a step.
     *
     * @param id       the step name, with {@code [i]} for the i-th parameter set of a fanned-out step
     * @param params   the step's parameters with the instance's parameter set merged over them
     * @param item     the instance's own parameter set (empty unless the step fans out), which wins over the run's
     *                 parameters too
     * @param upstream the ids of the instances it waits for
     */
    public record Instance(String id, StepSpec step, Map<String, Object> params, Map<String, Object> item,
                           List<String> upstream) {
    }

    private final PipelineSpec spec;
    private final Map<String, Instance> instances;
    private final Map<String, List<String>> downstream;

    private PipelineGraph(PipelineSpec spec, Map<String, Instance> instances) {
        this.spec = spec;
        this.instances = Collections.unmodifiableMap(instances);
        Map<String, List<String>> below = new HashMap<>();
        for (Instance instance : instances.values()) {
            for (String up : instance.upstream()) {
                below.computeIfAbsent(up, ignored -> new ArrayList<>()).add(instance.id());
            }
        }
        this.downstream = below;
    }

    /** @param spec a pipeline the parser accepted (names unique, dependencies known, no cycle) */
    public static PipelineGraph of(PipelineSpec spec) {
        Map<String, List<String>> instancesOf = new HashMap<>();
        for (StepSpec step : spec.steps()) {
            List<String> ids = new ArrayList<>();
            if (step.fansOut()) {
                for (int i = 0; i < step.forEach().size(); i++) {
                    ids.add(step.name() + "[" + i + "]");
                }
            } else {
                ids.add(step.name());
            }
            instancesOf.put(step.name(), ids);
        }
        Map<String, Instance> ordered = new LinkedHashMap<>();
        for (StepSpec step : topological(spec)) {
            List<String> upstream = new ArrayList<>();
            for (StepSpec.Dependency dependency : step.depends()) {
                upstream.addAll(instancesOf.get(dependency.step()));
            }
            List<String> ids = instancesOf.get(step.name());
            for (int i = 0; i < ids.size(); i++) {
                Map<String, Object> item = step.fansOut() ? step.forEach().get(i) : Map.of();
                Map<String, Object> params = new LinkedHashMap<>(step.params());
                params.putAll(item);
                ordered.put(ids.get(i), new Instance(ids.get(i), step, Collections.unmodifiableMap(params), item,
                        List.copyOf(upstream)));
            }
        }
        return new PipelineGraph(spec, ordered);
    }

    /** The declared order wherever the dependencies allow it, so that instances read as the file does. */
    private static List<StepSpec> topological(PipelineSpec spec) {
        List<StepSpec> order = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        List<StepSpec> left = new ArrayList<>(spec.steps());
        while (!left.isEmpty()) {
            StepSpec next = left.stream()
                    .filter(step -> step.depends().stream().allMatch(dependency -> placed.contains(dependency.step())))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("pipeline " + spec.name()
                            + " has a cycle; validate it first"));
            order.add(next);
            placed.add(next.name());
            left.remove(next);
        }
        return order;
    }

    public PipelineSpec spec() {
        return spec;
    }

    /** Every instance, each after its upstream instances. */
    public List<Instance> instances() {
        return List.copyOf(instances.values());
    }

    public Instance instance(String id) {
        Instance instance = instances.get(id);
        if (instance == null) {
            throw new IllegalArgumentException("pipeline " + spec.name() + " has no step instance " + id);
        }
        return instance;
    }

    /** The instances nothing depends on: their outcome is the run's. */
    public List<Instance> leaves() {
        return instances.values().stream().filter(instance -> !downstream.containsKey(instance.id())).toList();
    }
}
