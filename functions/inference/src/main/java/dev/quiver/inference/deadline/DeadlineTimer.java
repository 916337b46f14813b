package dev.quiver.inference.deadline;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Answers requests whose deadline passes before their model does. One timer thread for the process; a timer costs a
 * queue insertion when the request starts and a removal when it is answered in time, which is the usual case.
 */
@ApplicationScoped
public class DeadlineTimer {

    private final ScheduledThreadPoolExecutor timers;

    public DeadlineTimer() {
        timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("quiver-deadlines").daemon().factory());
        timers.setRemoveOnCancelPolicy(true);
    }

    /**
     * @param deadlineNanos the {@link System#nanoTime()} by which {@code work} must be done
     * @param late          the failure that answers in its place past the deadline
     * @return {@code work}'s outcome, or {@code late} once the deadline passes, whichever comes first
     */
    public <T> CompletableFuture<T> within(CompletionStage<T> work, long deadlineNanos,
                                           Supplier<? extends Throwable> late) {
        CompletableFuture<T> bounded = new CompletableFuture<>();
        ScheduledFuture<?> timer = timers.schedule(() -> bounded.completeExceptionally(late.get()),
                Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        work.whenComplete((value, failure) -> {
            timer.cancel(false);
            if (failure != null) {
                bounded.completeExceptionally(failure);
            } else {
                bounded.complete(value);
            }
        });
        return bounded;
    }

    @PreDestroy
    void stop() {
        timers.shutdownNow();
    }
}
