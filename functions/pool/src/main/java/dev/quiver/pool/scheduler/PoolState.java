package dev.quiver.pool.scheduler;

import dev.quiver.pool.PoolSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The pool as the scheduler sees it: every workload waiting or admitted, in its queue's order, and what each queue
 * and cohort uses. Changed only by {@link #apply(Decision) applying} what the scheduler decided (or by
 * {@link #restore restoring} what was persisted), so that a decision is a pure function of this state and an event.
 */
public final class PoolState {

    /** Within a queue: higher priority first, then first come, first served. */
    static final Comparator<Entry> QUEUE_ORDER = Comparator.<Entry>comparingInt(e -> -e.workload().priority())
            .thenComparing(e -> e.workload().submittedAt()).thenComparing(e -> e.workload().id());

    private final PoolSpec spec;
    private final QuotaTree tree;
    private final Usage usage;
    private final Map<String, Entry> workloads = new HashMap<>();
    private final List<NavigableSet<Entry>> pending = new ArrayList<>();
    private final List<NavigableSet<Entry>> admitted = new ArrayList<>();

    /**
     * A workload where it is.
     *
     * @param since when it was queued (again, after a preemption) or admitted
     */
    public record Entry(Workload workload, long[] request, int queue, boolean admitted, Instant since) {
    }

    public PoolState(PoolSpec spec) {
        this.spec = spec;
        this.tree = new QuotaTree(spec);
        this.usage = new Usage(tree);
        for (int node = 0; node < tree.nodes(); node++) {
            pending.add(new TreeSet<>(QUEUE_ORDER));
            admitted.add(new TreeSet<>(QUEUE_ORDER));
        }
    }

    public PoolSpec spec() {
        return spec;
    }

    QuotaTree tree() {
        return tree;
    }

    Usage usage() {
        return usage;
    }

    public Optional<Entry> find(String id) {
        return Optional.ofNullable(workloads.get(id));
    }

    NavigableSet<Entry> pending(int queue) {
        return pending.get(queue);
    }

    NavigableSet<Entry> admitted(int queue) {
        return admitted.get(queue);
    }

    /** The queue's waiting workloads in the order they would be admitted. */
    public List<Entry> pending(String queue) {
        int node = tree.queue(queue);
        return node < 0 ? List.of() : List.copyOf(pending.get(node));
    }

    /** The queue's admitted workloads. */
    public List<Entry> admitted(String queue) {
        int node = tree.queue(queue);
        return node < 0 ? List.of() : List.copyOf(admitted.get(node));
    }

    /** What the queue uses of each resource (thousandths), in the order of the pool's resources. */
    public Map<String, Long> usage(String queue) {
        int node = tree.queue(queue);
        Map<String, Long> used = new HashMap<>();
        for (int r = 0; r < tree.resources().size(); r++) {
            used.put(tree.resources().get(r), node < 0 ? 0 : usage.of(node, r));
        }
        return used;
    }

    /** Every workload, waiting or admitted. */
    public Collection<Entry> entries() {
        return List.copyOf(workloads.values());
    }

    /** Puts back a workload as persisted, without deciding anything: how a replica loads the pool. */
    public void restore(Workload workload, boolean isAdmitted, Instant since) {
        int queue = tree.queue(workload.queue());
        if (queue < 0 || workloads.containsKey(workload.id())) {
            return;
        }
        put(new Entry(workload, tree.request(workload.request()), queue, isAdmitted, since));
    }

    /** Makes the decision's changes, in the order they happened. */
    public void apply(Decision decision) {
        decision.finished().forEach(this::remove);
        decision.refused().forEach(refusal -> remove(refusal.id()));
        for (Decision.Eviction eviction : decision.preempted()) {
            Entry entry = remove(eviction.id());
            if (entry != null) {
                put(new Entry(entry.workload(), entry.request(), entry.queue(), false, decision.at()));
            }
        }
        for (Workload workload : decision.queued()) {
            int queue = tree.queue(workload.queue());
            put(new Entry(workload, tree.request(workload.request()), queue, false, decision.at()));
        }
        for (Decision.Admission admission : decision.admitted()) {
            Entry entry = remove(admission.id());
            if (entry != null) {
                put(new Entry(entry.workload(), entry.request(), entry.queue(), true, decision.at()));
            }
        }
    }

    private void put(Entry entry) {
        workloads.put(entry.workload().id(), entry);
        if (entry.admitted()) {
            admitted.get(entry.queue()).add(entry);
            usage.add(entry.queue(), entry.request(), 1);
        } else {
            pending.get(entry.queue()).add(entry);
        }
    }

    private Entry remove(String id) {
        Entry entry = workloads.remove(id);
        if (entry != null) {
            if (entry.admitted()) {
                admitted.get(entry.queue()).remove(entry);
                usage.add(entry.queue(), entry.request(), -1);
            } else {
                pending.get(entry.queue()).remove(entry);
            }
        }
        return entry;
    }
}
