package dev.quiver.pool;

/**
 * A named priority (Kueue's WorkloadPriorityClass).
 *
 * @param value      higher is admitted first within a queue
 * @param preempting whether its workloads may preempt lower-priority ones; false for work that should wait
 *                   instead of stopping anything
 */
public record PriorityClass(String name, int value, boolean preempting) {
}
