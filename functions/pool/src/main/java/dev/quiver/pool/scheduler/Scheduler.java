package dev.quiver.pool.scheduler;

import dev.quiver.pool.Preemption;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.Queueing;
import dev.quiver.pool.scheduler.PoolState.Entry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

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

    private Scheduler() {
    }

    public static Decision decide(PoolState state, PoolEvent event) {
        Instant now = event.at();
        Cycle cycle = new Cycle(state, now);
        switch (event) {
            case PoolEvent.Submitted submitted -> {
                if (state.find(submitted.workload().id()).isPresent() || !cycle.submit(submitted.workload())) {
                    return cycle.decision();
                }
            }
            case PoolEvent.Finished finished -> {
                if (state.find(finished.id()).isEmpty()) {
                    return Decision.none(now);
                }
                cycle.finish(finished.id());
            }
            case PoolEvent.Tick tick -> cycle.expireGangs();
        }
        cycle.admit();
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
        private Entry extra;

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
        boolean submit(Workload workload) {
            int queue = tree.queue(workload.queue());
            if (queue < 0) {
                refused.add(new Decision.Refusal(workload.id(), "UnknownQueue", "the pool has no queue \""
                        + workload.queue() + "\"; it has " + String.join(", ", state.spec().queues().keySet())));
                return false;
            }
            long[] request = tree.request(workload.request());
            if (!tree.fits(new Usage(tree), queue, request)) {
                refused.add(new Decision.Refusal(workload.id(), "TooLarge", "asks for " + shown(request)
                        + ", more than queue " + workload.queue() + " can ever have (" + shown(capacity(queue))
                        + ")"));
                return false;
            }
            QueueSpec spec = state.spec().queues().get(workload.queue());
            if (state.pending(queue).size() >= spec.maxPending()) {
                refused.add(new Decision.Refusal(workload.id(), "PendingLimit", "queue " + workload.queue()
                        + " already holds " + spec.maxPending() + " pending workloads, its max-pending"));
                return false;
            }
            queued.add(workload);
            extra = new Entry(workload, request, queue, false, now);
            return true;
        }

        void finish(String id) {
            Entry entry = state.find(id).orElseThrow();
            if (entry.admitted()) {
                usage.add(entry.queue(), entry.request(), -1);
            }
            gone.add(id);
            finished.add(id);
        }

        void expireGangs() {
            for (Entry entry : state.entries()) {
                Workload workload = entry.workload();
                if (!entry.admitted() && workload.gang()
                        && !entry.since().plus(state.spec().gangTimeout()).isAfter(now)) {
                    gone.add(workload.id());
                    refused.add(new Decision.Refusal(workload.id(), "GangTimeout", "a gang of " + workload.pods()
                            + " waited " + state.spec().gangTimeout() + " without room for all of it at once"));
                }
            }
        }

        void admit() {
            List<Cursor> cursors = new ArrayList<>();
            for (int node = 0; node < tree.nodes(); node++) {
                boolean hasExtra = extra != null && extra.queue() == node;
                if (!state.pending(node).isEmpty() || hasExtra) {
                    cursors.add(new Cursor(node, state.pending(node).iterator(), hasExtra ? extra : null));
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
                    admitted.add(new Decision.Admission(head.workload().id(), head.workload().queue(),
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
            final List<Entry> failures = new ArrayList<>();
            Entry next;
            Entry extraEntry;
            boolean blocked;

            Cursor(int queue, Iterator<Entry> pending, Entry extraEntry) {
                this.queue = queue;
                this.pending = pending;
                this.extraEntry = extraEntry;
                fill();
            }

            Entry head() {
                if (extraEntry != null && (next == null || PoolState.QUEUE_ORDER.compare(extraEntry, next) < 0)) {
                    return extraEntry;
                }
                return next;
            }

            void advance() {
                if (extraEntry != null && head() == extraEntry) {
                    extraEntry = null;
                } else {
                    next = null;
                    fill();
                }
                if (extraEntry != null && hopeless(extraEntry)) {
                    extraEntry = null;
                }
            }

            void failed(Entry entry) {
                failures.add(entry);
            }

            private void fill() {
                while (next == null && pending.hasNext()) {
                    Entry candidate = pending.next();
                    if (!gone.contains(candidate.workload().id()) && !hopeless(candidate)) {
                        next = candidate;
                    }
                }
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
