package dev.quiver.pool.scheduler;

import dev.quiver.pool.CohortSpec;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.Quota;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's cohorts and queues as one tree with Kueue's quota arithmetic: each node's subtree quota (its nominal
 * quota plus what its children lend it), the part of it that is guaranteed (not lent), and from a usage, what a queue
 * can still take and how much more than its share it holds (the dominant resource share that fair sharing orders by).
 * Built once per pool; the usage it is asked about is a {@link Usage}.
 */
public final class QuotaTree {

    static final long NO_LIMIT = -1;

    private final List<String> resources;
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> queues = new HashMap<>();
    private final int[] parent;
    private final double[] weight;
    private final boolean[] isQueue;
    private final long[][] borrowingLimit;
    private final long[][] subtreeQuota;
    private final long[][] guaranteed;
    private final int[][] path;

    public QuotaTree(PoolSpec pool) {
        resources = pool.resources();
        Map<String, Integer> cohorts = new HashMap<>();
        pool.cohorts().keySet().forEach(name -> cohorts.put(name, add(name)));
        pool.queues().keySet().forEach(name -> queues.put(name, add(name)));
        int count = names.size();
        parent = new int[count];
        weight = new double[count];
        isQueue = new boolean[count];
        long[][] nominal = new long[count][resources.size()];
        long[][] lendingLimit = new long[count][resources.size()];
        borrowingLimit = new long[count][resources.size()];
        for (CohortSpec cohort : pool.cohorts().values()) {
            int node = cohorts.get(cohort.name());
            parent[node] = cohort.parent().map(cohorts::get).orElse(-1);
            weight[node] = cohort.weight();
            quotas(cohort.quota(), nominal[node], borrowingLimit[node], lendingLimit[node]);
        }
        for (QueueSpec queue : pool.queues().values()) {
            int node = queues.get(queue.name());
            parent[node] = queue.cohort().map(cohorts::get).orElse(-1);
            weight[node] = queue.weight();
            isQueue[node] = true;
            quotas(queue.quota(), nominal[node], borrowingLimit[node], lendingLimit[node]);
        }
        path = new int[count][];
        for (int node = 0; node < count; node++) {
            List<Integer> up = new ArrayList<>();
            for (int at = node; at >= 0; at = parent[at]) {
                up.addFirst(at);
            }
            path[node] = up.stream().mapToInt(Integer::intValue).toArray();
        }
        subtreeQuota = new long[count][resources.size()];
        guaranteed = new long[count][resources.size()];
        List<Integer> deepestFirst = new ArrayList<>();
        for (int node = 0; node < count; node++) {
            deepestFirst.add(node);
        }
        deepestFirst.sort((a, b) -> Integer.compare(path[b].length, path[a].length));
        for (int node : deepestFirst) {
            for (int r = 0; r < resources.size(); r++) {
                subtreeQuota[node][r] = Quantity.add(subtreeQuota[node][r], nominal[node][r]);
                guaranteed[node][r] = lendingLimit[node][r] == NO_LIMIT ? 0
                        : Math.max(0, subtreeQuota[node][r] - lendingLimit[node][r]);
                if (parent[node] >= 0) {
                    subtreeQuota[parent[node]][r] = Quantity.add(subtreeQuota[parent[node]][r],
                            subtreeQuota[node][r] - guaranteed[node][r]);
                }
            }
        }
    }

    private int add(String name) {
        names.add(name);
        return names.size() - 1;
    }

    private void quotas(Map<String, Quota> quotas, long[] nominal, long[] borrowing, long[] lending) {
        for (int r = 0; r < resources.size(); r++) {
            Quota quota = quotas.getOrDefault(resources.get(r), Quota.NONE);
            nominal[r] = quota.nominal();
            borrowing[r] = quota.borrowingLimit().orElse(NO_LIMIT);
            lending[r] = quota.lendingLimit().orElse(NO_LIMIT);
        }
    }

    public List<String> resources() {
        return resources;
    }

    int nodes() {
        return names.size();
    }

    /** The node of a queue; -1 when the pool has no such queue. */
    int queue(String name) {
        Integer node = queues.get(name);
        return node == null ? -1 : node;
    }

    int parent(int node) {
        return parent[node];
    }

    /** From the root of the node's tree down to the node itself. */
    int[] path(int node) {
        return path[node];
    }

    int root(int node) {
        return path[node][0];
    }

    /** The request as an array in the order of {@link #resources()}; a resource the pool does not count is ignored. */
    long[] request(Map<String, Long> request) {
        long[] amounts = new long[resources.size()];
        for (int r = 0; r < amounts.length; r++) {
            amounts[r] = request.getOrDefault(resources.get(r), 0L);
        }
        return amounts;
    }

    /** How much more of resource {@code r} the node could take now, from its own quota and what it may borrow. */
    long available(Usage usage, int node, int r) {
        if (parent[node] < 0) {
            return subtreeQuota[node][r] - usage.of(node, r);
        }
        long used = usage.of(node, r);
        long local = Math.max(0, guaranteed[node][r] - used);
        long fromParent = available(usage, parent[node], r);
        if (borrowingLimit[node][r] != NO_LIMIT) {
            long storedInParent = subtreeQuota[node][r] - guaranteed[node][r];
            long usedInParent = Math.max(0, used - guaranteed[node][r]);
            fromParent = Math.min(fromParent, Quantity.add(storedInParent - usedInParent, borrowingLimit[node][r]));
        }
        return local + fromParent;
    }

    /**
     * The most of {@code resource} the queue could hold, its nominal quota and all it may borrow, while the rest of
     * the pool is idle; {@link Quantity#UNLIMITED} when nothing bounds it.
     */
    public long most(String queue, String resource) {
        int r = resources.indexOf(resource);
        int node = queue(queue);
        if (r < 0 || node < 0) {
            return 0;
        }
        return Math.min(Quantity.UNLIMITED, available(new Usage(this), node, r));
    }

    /** Whether the queue has room for the whole request now. */
    boolean fits(Usage usage, int queue, long[] request) {
        for (int r = 0; r < request.length; r++) {
            if (request[r] > 0 && available(usage, queue, r) < request[r]) {
                return false;
            }
        }
        return true;
    }

    /** Whether admitting the request would take the queue past its own quota in some resource. */
    boolean borrows(Usage usage, int queue, long[] request) {
        for (int r = 0; r < request.length; r++) {
            if (request[r] > 0 && usage.of(queue, r) + request[r] > subtreeQuota[queue][r]) {
                return true;
            }
        }
        return false;
    }

    /** Whether the node holds more than its own quota of any resource the request asks for. */
    boolean borrowing(Usage usage, int node, long[] request) {
        for (int r = 0; r < request.length; r++) {
            if (request[r] > 0 && usage.of(node, r) > subtreeQuota[node][r]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Kueue's dominant resource share of a node with the request added: of each resource, what it would hold beyond
     * its subtree quota as a share of all its tree's quota; the largest, divided by its weight. 0 for a root.
     */
    double share(Usage usage, int node, long[] request) {
        if (parent[node] < 0) {
            return 0;
        }
        if (weight[node] == 0) {
            return Double.MAX_VALUE;
        }
        double dominant = 0;
        int root = root(node);
        for (int r = 0; r < request.length; r++) {
            long borrowed = usage.of(node, r) + request[r] - subtreeQuota[node][r];
            if (borrowed > 0 && subtreeQuota[root][r] > 0) {
                dominant = Math.max(dominant, (double) borrowed / subtreeQuota[root][r]);
            }
        }
        return dominant / weight[node];
    }

    /** The usage a node passes on to its parent: what it uses beyond what it keeps for itself. */
    long passedUp(int node, int r, long used) {
        return Math.max(0, used - guaranteed[node][r]);
    }
}
