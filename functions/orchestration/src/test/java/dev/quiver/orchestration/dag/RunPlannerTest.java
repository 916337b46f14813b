package dev.quiver.orchestration.dag;

import static dev.quiver.orchestration.dag.RunPlanner.Action.DISPATCH;
import static dev.quiver.orchestration.dag.RunPlanner.Action.REDISPATCH;
import static dev.quiver.orchestration.dag.RunPlanner.Action.SKIP;
import static dev.quiver.orchestration.dag.RunPlanner.Action.UPSTREAM_FAILED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quiver.orchestration.pipeline.PipelineFiles;
import dev.quiver.orchestration.pipeline.PipelineParser;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The example pipeline run by hand: ingest, three trainings fanned out, selection once two of them succeeded, serving,
 * and a report once every training is done.
 */
class RunPlannerTest {

    private final PipelineGraph graph = PipelineGraph.of(PipelineFiles.modelSelection());
    private final Map<String, RunPlanner.Progress> progress = new HashMap<>();
    private long sequence;

    @Test
    void fansOutTheTrainingsWithTheirOwnParameters() {
        assertThat(graph.instances()).extracting(PipelineGraph.Instance::id)
                .containsExactly("ingest", "train[0]", "train[1]", "train[2]", "select", "serve", "report");
        assertThat(graph.instance("train[0]").params()).containsEntry("model", "logistic").containsEntry("epochs", 20L);
        assertThat(graph.instance("train[2]").params()).containsEntry("model", "boosted").containsEntry("epochs", 40L);
        assertThat(graph.instance("select").upstream()).containsExactly("train[0]", "train[1]", "train[2]");
        assertThat(graph.leaves()).extracting(PipelineGraph.Instance::id).containsExactly("serve", "report");
    }

    @Test
    void servesTheFirstGoodPairThenTheBetterOneWhenTheLastTrainingArrives() {
        assertThat(actions()).containsExactly(tuple("ingest", DISPATCH));
        apply();
        assertThat(actions()).isEmpty();

        finish("ingest", StepState.SUCCEEDED);
        assertThat(actions()).containsExactly(tuple("train[0]", DISPATCH), tuple("train[1]", DISPATCH),
                tuple("train[2]", DISPATCH));
        apply();

        finish("train[0]", StepState.SUCCEEDED);
        assertThat(actions()).as("one success of the two selection needs").isEmpty();
        finish("train[2]", StepState.SUCCEEDED);
        assertThat(actions()).containsExactly(tuple("select", DISPATCH));
        apply();
        finish("select", StepState.SUCCEEDED);
        assertThat(actions()).containsExactly(tuple("serve", DISPATCH));
        apply();
        finish("serve", StepState.SUCCEEDED);
        assertThat(RunPlanner.outcome(graph, progress)).isEqualTo(RunPlanner.RunOutcome.RUNNING);

        finish("train[1]", StepState.SUCCEEDED);
        assertThat(actions()).containsExactly(tuple("select", REDISPATCH), tuple("report", DISPATCH));
        apply();
        assertThat(actions()).as("a decision once made is not made again").isEmpty();
        finish("select", StepState.SUCCEEDED);
        assertThat(actions()).containsExactly(tuple("serve", REDISPATCH));
        apply();
        finish("serve", StepState.SUCCEEDED);
        finish("report", StepState.SUCCEEDED);
        assertThat(actions()).isEmpty();
        assertThat(RunPlanner.outcome(graph, progress)).isEqualTo(RunPlanner.RunOutcome.SUCCEEDED);
    }

    @Test
    void failuresThatPutTheQuorumOutOfReachFailTheDependentsAtOnce() {
        apply(RunPlanner.plan(graph, progress));
        finish("ingest", StepState.SUCCEEDED);
        apply();
        finish("train[0]", StepState.FAILED);
        assertThat(actions()).isEmpty();
        finish("train[1]", StepState.FAILED);
        List<RunPlanner.Decision> decisions = RunPlanner.plan(graph, progress);
        assertThat(decisions).extracting(RunPlanner.Decision::instance, RunPlanner.Decision::action)
                .containsExactly(tuple("select", UPSTREAM_FAILED), tuple("serve", UPSTREAM_FAILED));
        assertThat(decisions.getFirst().reason()).contains("at least 2 successes are out of reach");
        apply(decisions);

        finish("train[2]", StepState.SUCCEEDED);
        assertThat(actions()).as("the report runs whatever the trainings did").containsExactly(tuple("report",
                DISPATCH));
        apply();
        finish("report", StepState.SUCCEEDED);
        assertThat(RunPlanner.outcome(graph, progress)).isEqualTo(RunPlanner.RunOutcome.FAILED);
    }

    @Test
    void aSkippedUpstreamSkipsAllSuccessDependents() {
        PipelineGraph chain = PipelineGraph.of(PipelineParser.parse("chain.yaml", """
                pipeline: chain
                version: 1
                steps:
                  - {name: check, executor: process}
                  - {name: load, executor: process, depends: [check]}
                  - {name: clean-up, executor: process, depends: [load], trigger: all-done}
                """));
        Map<String, RunPlanner.Progress> state = new HashMap<>();
        state.put("check", new RunPlanner.Progress(StepState.SKIPPED, 1, 2));
        assertThat(RunPlanner.plan(chain, state)).extracting(RunPlanner.Decision::instance,
                RunPlanner.Decision::action).containsExactly(tuple("load", SKIP), tuple("clean-up", DISPATCH));
    }

    private List<Tuple> actions() {
        return RunPlanner.plan(graph, progress).stream()
                .map(decision -> tuple(decision.instance(), decision.action())).toList();
    }

    /** Persists the current decisions as the function would: dispatched instances start, the others are final. */
    private void apply() {
        apply(RunPlanner.plan(graph, progress));
    }

    private void apply(List<RunPlanner.Decision> decisions) {
        for (RunPlanner.Decision decision : decisions) {
            long at = ++sequence;
            progress.put(decision.instance(), switch (decision.action()) {
                case DISPATCH, REDISPATCH -> new RunPlanner.Progress(StepState.DISPATCHED, at, 0);
                case SKIP -> new RunPlanner.Progress(StepState.SKIPPED, 0, at);
                case UPSTREAM_FAILED -> new RunPlanner.Progress(StepState.UPSTREAM_FAILED, 0, at);
            });
        }
    }

    private void finish(String instance, StepState state) {
        RunPlanner.Progress current = progress.get(instance);
        progress.put(instance, new RunPlanner.Progress(state, current.started(), ++sequence));
    }
}
