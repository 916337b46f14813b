package dev.quiver.pool.scheduler;

/**
 * What each node of a {@link QuotaTree} uses: a queue, the sum of its admitted workloads' requests; a cohort, what its
 * children use beyond what they keep for themselves (Kueue's accounting). A copy is cheap: nodes times resources.
 */
final class Usage {

    private final QuotaTree tree;
    private final long[][] used;

    Usage(QuotaTree tree) {
        this.tree = tree;
        this.used = new long[tree.nodes()][tree.resources().size()];
    }

    private Usage(QuotaTree tree, long[][] used) {
        this.tree = tree;
        this.used = used;
    }

    long of(int node, int r) {
        return used[node][r];
    }

    /** Adds (or, negative, removes) a workload's request at its queue and what changes of it up the tree. */
    void add(int queue, long[] request, int sign) {
        for (int r = 0; r < request.length; r++) {
            long delta = sign * request[r];
            for (int node = queue; node >= 0 && delta != 0; node = tree.parent(node)) {
                long before = used[node][r];
                used[node][r] = before + delta;
                delta = tree.passedUp(node, r, used[node][r]) - tree.passedUp(node, r, before);
            }
        }
    }

    Usage copy() {
        long[][] copy = new long[used.length][];
        for (int node = 0; node < used.length; node++) {
            copy[node] = used[node].clone();
        }
        return new Usage(tree, copy);
    }
}
