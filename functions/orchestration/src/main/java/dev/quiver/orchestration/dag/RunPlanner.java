package dev.quiver.orchestration.dag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The DAG's decisions for a run, as a pure function of the run's state: which pending instances to dispatch, which
 * will never run (skipped, or upstream-failed, which passes on to their dependents in the same decision), and which
 * finished instances marked {@code retrigger} run again because an upstream instance succeeded after they started.
 * The caller persists the decisions and acts on them; calling it again with the same state gives the same decisions.
 */
public final class RunPlanner {

    private RunPlanner() {
    }

    /**
     * An instance's state in the run.
     *
     * @param started  the run's event sequence number when it was last dispatched (0 if never)
     * @param finished the sequence number when it last finished (0 if never)
     */
    public record Progress(StepState state, long started, long finished) {

        public static final Progress PENDING = new Progress(StepState.PENDING, 0, 0);
    }

    public enum Action {
        DISPATCH, REDISPATCH, SKIP, UPSTREAM_FAILED
    }

    public record Decision(String instance, Action action, String reason) {
    }

    public enum RunOutcome {
        RUNNING, SUCCEEDED, FAILED
    }

    /** @param progress by instance id; instances missing from it are pending */
    public static List<Decision> plan(PipelineGraph graph, Map<String, Progress> progress) {
        Map<String, StepState> states = new HashMap<>();
        List<Decision> decisions = new ArrayList<>();
        for (PipelineGraph.Instance instance : graph.instances()) {
            Progress current = progress.getOrDefault(instance.id(), Progress.PENDING);
            states.put(instance.id(), current.state());
            List<StepState> upstream = instance.upstream().stream().map(states::get).toList();
            Verdict verdict = TriggerEvaluation.evaluate(instance.step().trigger(), upstream);
            if (current.state() == StepState.PENDING) {
                Decision decision = switch (verdict.outcome()) {
                    case RUN -> new Decision(instance.id(), Action.DISPATCH, verdict.reason());
                    case SKIP -> new Decision(instance.id(), Action.SKIP, verdict.reason());
                    case UPSTREAM_FAILED -> new Decision(instance.id(), Action.UPSTREAM_FAILED, verdict.reason());
                    case WAIT -> null;
                };
                if (decision != null) {
                    decisions.add(decision);
                    states.put(instance.id(), switch (decision.action()) {
                        case SKIP -> StepState.SKIPPED;
                        case UPSTREAM_FAILED -> StepState.UPSTREAM_FAILED;
                        default -> StepState.DISPATCHED;
                    });
                }
            } else if (instance.step().retrigger() && current.state().done()
                    && verdict.outcome() == Verdict.Outcome.RUN) {
                newerSuccess(instance, progress, current.started()).ifPresent(upstreamId ->
                        decisions.add(new Decision(instance.id(), Action.REDISPATCH, upstreamId
                                + " succeeded after this step last started; " + verdict.reason())));
            }
        }
        return decisions;
    }

    private static Optional<String> newerSuccess(PipelineGraph.Instance instance,
                                                           Map<String, Progress> progress, long started) {
        return instance.upstream().stream().filter(id -> {
            Progress up = progress.getOrDefault(id, Progress.PENDING);
            return up.state() == StepState.SUCCEEDED && up.finished() > started;
        }).findFirst();
    }

    /** Running while an instance is not done; then failed if a leaf failed (itself or upstream), else succeeded. */
    public static RunOutcome outcome(PipelineGraph graph, Map<String, Progress> progress) {
        for (PipelineGraph.Instance instance : graph.instances()) {
            if (!progress.getOrDefault(instance.id(), Progress.PENDING).state().done()) {
                return RunOutcome.RUNNING;
            }
        }
        for (PipelineGraph.Instance leaf : graph.leaves()) {
            if (progress.get(leaf.id()).state().failedOrUpstreamFailed()) {
                return RunOutcome.FAILED;
            }
        }
        return RunOutcome.SUCCEEDED;
    }
}
