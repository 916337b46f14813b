package dev.quiver.pool;

/**
 * When a queue's waiting work may stop admitted work to make room, as Kueue's ClusterQueue preemption says it.
 *
 * @param withinQueue         whether a workload may preempt lower-priority workloads of its own queue
 * @param reclaimWithinCohort which workloads of other queues that borrow a queue may preempt to get back its nominal
 *                            quota
 */
public record Preemption(WithinQueue withinQueue, Reclaim reclaimWithinCohort) {

    public static final Preemption DEFAULT = new Preemption(WithinQueue.LOWER_PRIORITY, Reclaim.ANY);

    public enum WithinQueue {
        NEVER("never", "Never"), LOWER_PRIORITY("lower-priority", "LowerPriority");

        public final String written;
        public final String kueue;

        WithinQueue(String written, String kueue) {
            this.written = written;
            this.kueue = kueue;
        }
    }

    public enum Reclaim {
        NEVER("never", "Never"), LOWER_PRIORITY("lower-priority", "LowerPriority"), ANY("any", "Any");

        public final String written;
        public final String kueue;

        Reclaim(String written, String kueue) {
            this.written = written;
            this.kueue = kueue;
        }
    }
}
