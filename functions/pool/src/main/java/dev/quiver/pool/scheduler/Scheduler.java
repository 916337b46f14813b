package dev.quiver.pool.scheduler;

import dev.quiver.pool.Preemption;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.Queueing;
import dev.quiver.pool.scheduler.PoolState.Entry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides what an event changes in the pool: a pure function of ({@link PoolState}, {@link PoolEvent}) to a
 * {@link Decision}; the state is only read. After each event the pool admits what it can, in Kueue's order:
 * <ol>
 *   <li>work that has waited past {@code starvation-after} first, and while it does not fit nothing else of its tree
 *       takes room (its room is reserved as running work ends);</li>
 *   <li>work that fits in its queue's own quota before work that borrows;</li>
 *   <li>hierarchical fair share: from the top of the tree down, the cohort or queue with the lowest dominant resource
 *       share (beyond its own quota, over its weight) goes first;</li>
 *   <li>within a queue, higher priority first, then first come, first served; a workload that does not fit lets the
 *       ones behind it through ({@code best-effort-fifo}) or holds them ({@code strict-fifo}).</li>
 * </ol>
 * A workload that does not fit may preempt, when its priority class allows: lower-priority workloads of its queue
 * ({@code within-queue}), and workloads of borrowing queues of its cohort when it would be within its queue's own quota
 * ({@code reclaim-within-cohort}); the fewest that make room, lowest priority and latest admitted first. A gang is one
 * workload with all its pods' requests: admitted whole or not at all, so no partial gang ever holds room.
 */
public final class Scheduler {

    private static final NavigableSet<Entry> EMPTY = new TreeSet<>(PoolState.QUEUE_ORDER);

    private Scheduler() {
    }

    public static Decision decide(PoolState state, PoolEvent event) {
        return decide(state, List.of(event));
    }

    /**
     * Decides a batch of events as one: each event's own effect in order (a workload queued or refused, one ended, gangs
     * expired), then one round of admissions at the time of the last, as Kueue's scheduler admits once per cycle for
     * all that arrived since the last. A workload submitted and ended in the same batch is withdrawn: it is neither
     * queued nor ended, so a caller that records ended workloads (to ignore redeliveries) splits its batches there.
     */
    public static Decision decide(PoolState state, List<PoolEvent> events) {
        Instant now = events.getLast().at();
        Cycle cycle = new Cycle(state, now);
        boolean admit = false;
        for (PoolEvent event : events) {
            switch (event) {
                case PoolEvent.Submitted submitted -> admit |= cycle.submit(submitted.workload(), submitted.at());
                case PoolEvent.Finished finished -> admit |= cycle.finish(finished.id());
                case PoolEvent.Tick tick -> {
                    cycle.expireGangs(tick.at());
                    admit = true;
                }
            }
        }
        if (admit) {
            cycle.admit();
        }
        return cycle.decision();
    }

    /** One decision in the making: a copy of the usage, and what has changed so far. */
    private static final class Cycle {

        private final PoolState state;
        private final QuotaTree tree;
        private final Instant now;
        private final Usage usage;
        private final Set<String> gone = new HashSet<>();
        private final List<Workload> queued = new ArrayList<>();
        private final List<Decision.Admission> admitted = new ArrayList<>();
        private final List<Decision.Eviction> preempted = new ArrayList<>();
        private final List<Decision.Refusal> refused = new ArrayList<>();
        private final List<String> finished = new ArrayList<>();
        private final Map<Integer, NavigableSet<Entry>> extras = new HashMap<>();
        private final Map<String, Entry> submittedHere = new HashMap<>();

        Cycle(PoolState state, Instant now) {
            this.state = state;
            this.tree = state.tree();
            this.now = now;
            this.usage = state.usage().copy();
        }

        Decision decision() {
            return new Decision(now, queued, admitted, preempted, refused, finished);
        }

        /** @return whether the workload waits (and the pool should try to admit it) */
        boolean submit(Workload workload, Instant at) {
            if (state.find(workload.id()).isPresent() || submittedHere.containsKey(workload.id())
                    || gone.contains(workload.id())) {
                return false;
            }
            int queue = tree.queue(workload.queue());
            if (queue < 0) {
                refuse(workload.id(), "UnknownQueue", "the pool has no queue \"" + workload.queue() + "\"; it has "
                        + String.join(", ", state.spec().queues().keySet()));
                return false;
            }
            long[] request = tree.request(workload.request());
            if (!tree.fits(new Usage(tree), queue, request)) {
                refuse(workload.id(), "TooLarge", "asks for " + shown(request) + ", more than queue "
                        + workload.queue() + " can ever have (" + shown(capacity(queue)) + ")");
                return false;
            }
            QueueSpec spec = state.spec().queues().get(workload.queue());
            NavigableSet<Entry> added = extras.computeIfAbsent(queue, q -> new TreeSet<>(PoolState.QUEUE_ORDER));
            if (state.pending(queue).size() + added.size() >= spec.maxPending()) {
                refuse(workload.id(), "PendingLimit", "queue " + workload.queue() + " already holds "
                        + spec.maxPending() + " pending workloads, its max-pending");
                return false;
            }
            Entry entry = new Entry(workload, request, queue, false, at);
            queued.add(workload);
            added.add(entry);
            submittedHere.put(workload.id(), entry);
            return true;
        }

        private void refuse(String id, String reason, String message) {
            gone.add(id);
            refused.add(new Decision.Refusal(id, reason, message));
        }

        /** @return whether room or a place in a queue was freed */
        boolean finish(String id) {
            Entry here = submittedHere.remove(id);
            if (here != null) {
                extras.get(here.queue()).remove(here);
                queued.remove(here.workload());
                return false;
            }
            if (gone.contains(id)) {
                return false;
            }
            Entry entry = state.find(id).orElse(null);
            if (entry == null) {
                return false;
            }
            if (entry.admitted()) {
                usage.add(entry.queue(), entry.request(), -1);
            }
            gone.add(id);
            finished.add(id);
            return true;
        }

        void expireGangs(Instant at) {
            for (Entry entry : state.entries()) {
                Workload workload = entry.workload();
                if (!entry.admitted() && workload.gang() && !gone.contains(workload.id())
                        && !entry.since().plus(state.spec().gangTimeout()).isAfter(at)) {
                    refuse(workload.id(), "GangTimeout", "a gang of " + workload.pods() + " waited "
                            + state.spec().gangTimeout() + " without room for all of it at once");
                }
            }
        }

        void admit() {
            List<Cursor> cursors = new ArrayList<>();
            for (int node = 0; node < tree.nodes(); node++) {
                NavigableSet<Entry> added = extras.getOrDefault(node, EMPTY);
                if (!state.pending(node).isEmpty() || !added.isEmpty()) {
                    cursors.add(new Cursor(node, state.pending(node).iterator(), added.iterator()));
                }
            }
            Set<Integer> reservedRoots = new HashSet<>();
            while (true) {
                Cursor best = null;
                for (Cursor cursor : cursors) {
                    if (!cursor.blocked && !reservedRoots.contains(tree.root(cursor.queue))
                            && cursor.head() != null && (best == null || before(cursor.head(), best.head()))) {
                        best = cursor;
                    }
                }
                if (best == null) {
                    return;
                }
                Entry head = best.head();
                if (tree.fits(usage, head.queue(), head.request()) || preempt(head)) {
                    usage.add(head.queue(), head.request(), 1);
                    admitted.add(new Decision.Admission(head.workload(), head.since(),
                            tree.borrowing(usage, head.queue(), head.request())));
                    gone.add(head.workload().id());
                    best.advance();
                } else if (starving(head)) {
                    reservedRoots.add(tree.root(head.queue()));
                } else if (queueing(head) == Queueing.STRICT_FIFO) {
                    best.blocked = true;
                } else {
                    best.failed(head);
                    best.advance();
                }
            }
        }

        private Queueing queueing(Entry entry) {
            return state.spec().queues().get(entry.workload().queue()).queueing();
        }

        private boolean starving(Entry entry) {
            return !entry.since().plus(state.spec().starvationAfter()).isAfter(now);
        }

        /** Whether {@code a} goes before {@code b}, heads of different queues. */
        private boolean before(Entry a, Entry b) {
            boolean starvingA = starving(a);
            if (starvingA != starving(b)) {
                return starvingA;
            }
            if (starvingA) {
                return a.since().isBefore(b.since());
            }
            boolean borrowsA = tree.borrows(usage, a.queue(), a.request());
            if (borrowsA != tree.borrows(usage, b.queue(), b.request())) {
                return !borrowsA;
            }
            int[] pathA = tree.path(a.queue());
            int[] pathB = tree.path(b.queue());
            for (int level = 0; level < Math.min(pathA.length, pathB.length); level++) {
                if (pathA[level] != pathB[level]) {
                    int order = Double.compare(tree.share(usage, pathA[level], a.request()),
                            tree.share(usage, pathB[level], b.request()));
                    if (order != 0) {
                        return order < 0;
                    }
                    break;
                }
            }
            return PoolState.QUEUE_ORDER.compare(a, b) < 0;
        }

        /** Preempts the fewest admitted workloads that make room for {@code entry}, if any do. */
        private boolean preempt(Entry entry) {
            Workload workload = entry.workload();
            if (!workload.preempting()) {
                return false;
            }
            Preemption policy = state.spec().queues().get(workload.queue()).preemption();
            List<Entry> candidates = new ArrayList<>();
            if (policy.withinQueue() == Preemption.WithinQueue.LOWER_PRIORITY) {
                for (Entry running : state.admitted(entry.queue())) {
                    if (running.workload().priority() < workload.priority() && !gone.contains(running.workload().id())) {
                        candidates.add(running);
                    }
                }
            }
            boolean withinOwnQuota = !tree.borrows(usage, entry.queue(), entry.request());
            if (policy.reclaimWithinCohort() != Preemption.Reclaim.NEVER && withinOwnQuota) {
                int root = tree.root(entry.queue());
                for (int node = 0; node < tree.nodes(); node++) {
                    if (node == entry.queue() || tree.root(node) != root) {
                        continue;
                    }
                    for (Entry running : state.admitted(node)) {
                        boolean lower = running.workload().priority() < workload.priority();
                        if ((policy.reclaimWithinCohort() == Preemption.Reclaim.ANY || lower)
                                && !gone.contains(running.workload().id())) {
                            candidates.add(running);
                        }
                    }
                }
            }
            if (candidates.isEmpty()) {
                return false;
            }
            candidates.sort((a, b) -> {
                boolean otherA = a.queue() != entry.queue();
                if (otherA != (b.queue() != entry.queue())) {
                    return otherA ? -1 : 1;
                }
                int byPriority = Integer.compare(a.workload().priority(), b.workload().priority());
                return byPriority != 0 ? byPriority : b.since().compareTo(a.since());
            });
            Usage trial = usage.copy();
            List<Entry> victims = new ArrayList<>();
            for (Entry candidate : candidates) {
                if (candidate.queue() != entry.queue() && !tree.borrowing(trial, candidate.queue(), entry.request())) {
                    continue;
                }
                trial.add(candidate.queue(), candidate.request(), -1);
                victims.add(candidate);
                if (tree.fits(trial, entry.queue(), entry.request())) {
                    break;
                }
            }
            if (!tree.fits(trial, entry.queue(), entry.request())) {
                return false;
            }
            for (int i = victims.size() - 2; i >= 0; i--) {
                Entry victim = victims.get(i);
                trial.add(victim.queue(), victim.request(), 1);
                if (tree.fits(trial, entry.queue(), entry.request())) {
                    victims.remove(i);
                } else {
                    trial.add(victim.queue(), victim.request(), -1);
                }
            }
            for (Entry victim : victims) {
                usage.add(victim.queue(), victim.request(), -1);
                gone.add(victim.workload().id());
                preempted.add(new Decision.Eviction(victim.workload().id(), workload.id(), "Preempted",
                        "preempted by " + workload.id() + " (priority " + workload.priority() + ", queue "
                                + workload.queue() + ") to make room for " + shown(entry.request())));
            }
            return true;
        }

        private long[] capacity(int queue) {
            Usage empty = new Usage(tree);
            long[] capacity = new long[tree.resources().size()];
            for (int r = 0; r < capacity.length; r++) {
                capacity[r] = tree.available(empty, queue, r);
            }
            return capacity;
        }

        private String shown(long[] amounts) {
            List<String> parts = new ArrayList<>();
            for (int r = 0; r < amounts.length; r++) {
                if (amounts[r] > 0) {
                    parts.add(tree.resources().get(r) + " " + (amounts[r] >= Quantity.UNLIMITED ? "unlimited"
                            : Quantity.format(amounts[r])));
                }
            }
            return parts.isEmpty() ? "nothing" : String.join(", ", parts);
        }

        /**
         * A queue's pending workloads in order, with the one just submitted in its place, past those gone in this
         * decision and those no more likely to fit than one that did not.
         */
        private final class Cursor {

            final int queue;
            final Iterator<Entry> pending;
            final Iterator<Entry> added;
            final List<Entry> failures = new ArrayList<>();
            Entry next;
            Entry nextAdded;
            boolean blocked;

            Cursor(int queue, Iterator<Entry> pending, Iterator<Entry> added) {
                this.queue = queue;
                this.pending = pending;
                this.added = added;
                next = fill(pending);
                nextAdded = fill(added);
            }

            Entry head() {
                if (nextAdded != null && (next == null || PoolState.QUEUE_ORDER.compare(nextAdded, next) < 0)) {
                    return nextAdded;
                }
                return next;
            }

            void advance() {
                if (nextAdded != null && head() == nextAdded) {
                    nextAdded = fill(added);
                } else {
                    next = fill(pending);
                }
                if (nextAdded != null && hopeless(nextAdded)) {
                    nextAdded = fill(added);
                }
                if (next != null && hopeless(next)) {
                    next = fill(pending);
                }
            }

            void failed(Entry entry) {
                failures.add(entry);
            }

            private Entry fill(Iterator<Entry> entries) {
                while (entries.hasNext()) {
                    Entry candidate = entries.next();
                    if (!gone.contains(candidate.workload().id()) && !hopeless(candidate)) {
                        return candidate;
                    }
                }
                return null;
            }

            /** Asks for at least what a workload that did not fit asked, with no more right to preempt. */
            private boolean hopeless(Entry entry) {
                for (Entry failure : failures) {
                    if (entry.workload().priority() <= failure.workload().priority()
                            && (!entry.workload().preempting() || failure.workload().preempting())
                            && covers(entry.request(), failure.request())) {
                        return true;
                    }
                }
                return false;
            }

            private boolean covers(long[] request, long[] failed) {
                for (int r = 0; r < request.length; r++) {
                    if (request[r] < failed[r]) {
                        return false;
                    }
                }
                return true;
            }
        }
    }
}
