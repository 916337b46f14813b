package dev.quiver.pool;

/** How a queue orders its own pending workloads when the first of them does not fit. */
public enum Queueing {
    /** Later workloads that fit are admitted past one that does not (Kueue's BestEffortFIFO). */
    BEST_EFFORT_FIFO("best-effort-fifo", "BestEffortFIFO"),
    /** Nothing is admitted from the queue past its first workload (Kueue's StrictFIFO). */
    STRICT_FIFO("strict-fifo", "StrictFIFO");

    public final String written;
    public final String kueue;

    Queueing(String written, String kueue) {
        this.written = written;
        this.kueue = kueue;
    }
}
