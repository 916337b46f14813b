package dev.quiver.pool;

import dev.quiver.pool.scheduler.QuotaTree;
import java.util.OptionalInt;

/**
 * A serving function's scale bounds in replicas, from its queue's quota: at least the replicas its nominal quota
 * holds (its reservation), at most those its nominal quota and all it may borrow hold. What one replica holds
 * decides, resource by resource; the scarcest resource bounds.
 *
 * @param max empty when nothing bounds what the queue may borrow
 */
public record ServingScale(int min, OptionalInt max) {

    public static ServingScale of(PoolSpec pool, ServingSpec serving) {
        QuotaTree tree = new QuotaTree(pool);
        QueueSpec queue = pool.queues().get(serving.queue());
        long min = Long.MAX_VALUE;
        long max = Long.MAX_VALUE;
        for (var entry : serving.replica().entrySet()) {
            long amount = entry.getValue();
            if (amount <= 0) {
                continue;
            }
            min = Math.min(min, pool.quota(queue, entry.getKey()).nominal() / amount);
            long most = tree.most(serving.queue(), entry.getKey());
            if (most < Quantity.UNLIMITED) {
                max = Math.min(max, most / amount);
            }
        }
        int reserved = (int) Math.min(Integer.MAX_VALUE, min);
        return new ServingScale(reserved, max == Long.MAX_VALUE ? OptionalInt.empty()
                : OptionalInt.of((int) Math.min(Integer.MAX_VALUE, Math.max(reserved, max))));
    }
}
