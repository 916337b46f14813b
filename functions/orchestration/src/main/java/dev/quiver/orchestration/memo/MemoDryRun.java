package dev.quiver.orchestration.memo;

import dev.quiver.orchestration.dag.PipelineGraph;
import dev.quiver.orchestration.store.Statements;
import dev.quiver.orchestration.store.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Explains, without running anything, which steps of a run with given parameters would reuse a memoized result and
 * which would run, and why. A step's key depends on its inputs, so it can be told for a step whose upstream steps
 * would all reuse results (their artifacts are known); below a step that runs, the answer is that it runs.
 */
public final class MemoDryRun {

    private final Transactions transactions;
    private final MemoStore memo = new MemoStore();
    private final Clock clock;

    /** What would happen to one step instance. */
    public record Prediction(String instance, String step, boolean reuse, String reason) {
    }

    public MemoDryRun(Transactions transactions, Clock clock) {
        this.transactions = transactions;
        this.clock = clock;
    }

    public List<Prediction> explain(PipelineGraph graph, Map<String, Object> parameters) {
        return transactions.inTransaction(c -> {
            List<Prediction> predictions = new ArrayList<>();
            Map<String, List<MemoKey.Input>> reusedArtifacts = new HashMap<>();
            for (PipelineGraph.Instance instance : graph.instances()) {
                if (instance.step().memoize().isEmpty()) {
                    predictions.add(new Prediction(instance.id(), instance.step().name(), false,
                            "runs: the step does not memoize"));
                    continue;
                }
                List<MemoKey.Input> inputs = new ArrayList<>();
                String unknown = null;
                for (String upstream : instance.upstream()) {
                    List<MemoKey.Input> known = reusedArtifacts.get(upstream);
                    if (known == null) {
                        unknown = upstream;
                        break;
                    }
                    inputs.addAll(known);
                }
                if (unknown != null) {
                    predictions.add(new Prediction(instance.id(), instance.step().name(), false, "runs unless "
                            + "the results of " + unknown + ", which runs first, match an earlier run's"));
                    continue;
                }
                Map<String, Object> params = new LinkedHashMap<>(instance.step().params());
                params.putAll(parameters);
                params.putAll(instance.item());
                String key = MemoKey.of(graph.spec().name(), instance.step().name(),
                        instance.step().executor().yamlName(), params, inputs);
                Optional<MemoStore.Stored> stored = memo.find(c, key);
                MemoDecision decision = MemoDecision.decide(instance.step().memoize().get(),
                        stored.map(MemoStore.Stored::entry), clock.instant(), null);
                if (decision.hit()) {
                    reusedArtifacts.put(instance.id(), artifacts(c, instance.id(), stored.get().entry()));
                }
                predictions.add(new Prediction(instance.id(), instance.step().name(), decision.hit(),
                        (decision.hit() ? "" : "runs: ") + decision.reason()));
            }
            return predictions;
        });
    }

    /** The artifacts of the memoized attempt, as the inputs they would be to the steps below. */
    private static List<MemoKey.Input> artifacts(Connection c, String instance, MemoDecision.Entry entry)
            throws SQLException {
        return Statements.query(c, "select name, uri, digest from artifacts where run_id = ? and instance = ? "
                + "and attempt = ?", row -> new MemoKey.Input(instance, row.getString(1), row.getString(2),
                row.getString(3)), entry.runId(), entry.instance(), entry.attempt());
    }
}
