package dev.quiver.admission.concurrency;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps how many requests of one caller run at once. A request beyond the cap waits in the caller's line, first come
 * first served, holding no thread; when the line is full it is refused at once, and when it waited longer than the
 * timeout it is refused then. A caller with nothing running and nobody waiting takes no memory.
 */
public final class CallerQueues {

    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> waitingByPlan = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public CallerQueues(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Completes with a permit when the request may run, or exceptionally with a {@link QueueRejection}. */
    public CompletableFuture<Permit> acquire(String caller, String plan, int limit, int queue, Duration timeout) {
        Waiter waiter = new Waiter(caller, plan);
        boolean[] outcome = new boolean[2];
        lanes.compute(caller, (key, lane) -> {
            Lane current = lane != null ? lane : new Lane();
            if (current.running < limit) {
                current.running++;
                outcome[0] = true;
            } else if (current.waiting.size() < queue) {
                current.waiting.add(waiter);
                outcome[1] = true;
            }
            return current.running == 0 && current.waiting.isEmpty() ? null : current;
        });
        if (outcome[0]) {
            return CompletableFuture.completedFuture(waiter.permit());
        }
        if (!outcome[1]) {
            return CompletableFuture.failedFuture(new QueueRejection(QueueRejection.Reason.QUEUE_FULL,
                    "concurrency: " + limit + " requests of this caller are running and " + queue
                            + " more are waiting, the most plan '" + plan + "' allows"));
        }
        counter(plan).incrementAndGet();
        waiter.timeout = timer.schedule(() -> expire(waiter, limit, timeout), timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        return waiter.future;
    }

    /** Requests of callers on {@code plan} waiting in line. */
    public int waiting(String plan) {
        AtomicInteger count = waitingByPlan.get(plan);
        return count == null ? 0 : count.get();
    }

    /** Callers with requests running or waiting. */
    public int activeCallers() {
        return lanes.size();
    }

    private AtomicInteger counter(String plan) {
        return waitingByPlan.computeIfAbsent(plan, ignored -> new AtomicInteger());
    }

    private void expire(Waiter waiter, int limit, Duration timeout) {
        boolean[] removed = new boolean[1];
        lanes.computeIfPresent(waiter.caller, (key, lane) -> {
            removed[0] = lane.waiting.remove(waiter);
            return lane.running == 0 && lane.waiting.isEmpty() ? null : lane;
        });
        if (removed[0]) {
            counter(waiter.plan).decrementAndGet();
            waiter.future.completeExceptionally(new QueueRejection(QueueRejection.Reason.TIMED_OUT,
                    "concurrency: waited " + timeout.toMillis() + " ms in line behind " + limit
                            + " running requests of this caller, the longest plan '" + waiter.plan + "' allows"));
        }
    }

    private void release(String caller) {
        Waiter[] next = new Waiter[1];
        lanes.computeIfPresent(caller, (key, lane) -> {
            next[0] = lane.waiting.poll();
            if (next[0] == null) {
                lane.running--;
            }
            return lane.running == 0 && lane.waiting.isEmpty() ? null : lane;
        });
        if (next[0] != null) {
            Waiter waiter = next[0];
            counter(waiter.plan).decrementAndGet();
            ScheduledFuture<?> timeout = waiter.timeout;
            if (timeout != null) {
                timeout.cancel(false);
            }
            waiter.future.complete(waiter.permit());
        }
    }

    private static final class Lane {
        private int running;
        private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    }

    private final class Waiter {
        private final String caller;
        private final String plan;
        private final CompletableFuture<Permit> future = new CompletableFuture<>();
        private volatile ScheduledFuture<?> timeout;

        private Waiter(String caller, String plan) {
            this.caller = caller;
            this.plan = plan;
        }

        private Permit permit() {
            AtomicBoolean released = new AtomicBoolean();
            return () -> {
                if (released.compareAndSet(false, true)) {
                    release(caller);
                }
            };
        }
    }
}
