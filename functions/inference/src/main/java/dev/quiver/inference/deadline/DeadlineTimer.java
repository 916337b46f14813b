package dev.quiver.inference.deadline;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Answers requests whose deadline passes before their model does. Nearly every deadline is cancelled, its request
 * answered in time, so the timer is Netty's hashed wheel: setting and cancelling one takes no lock (a lock-free queue
 * each), and one thread checks the wheel every {@value #TICK_MILLIS} ms, so a deadline fires up to that much late.
 */
@ApplicationScoped
public class DeadlineTimer {

    static final long TICK_MILLIS = 5;

    private final HashedWheelTimer wheel;

    public DeadlineTimer() {
        wheel = new HashedWheelTimer(Thread.ofPlatform().name("quiver-deadlines").daemon().factory(), TICK_MILLIS,
                TimeUnit.MILLISECONDS, 512);
    }

    /**
     * @param deadlineNanos the {@link System#nanoTime()} by which {@code work} must be done
     * @param late          the failure that answers in its place past the deadline
     * @return {@code work}'s outcome, or {@code late} once the deadline passes, whichever comes first
     */
    public <T> CompletableFuture<T> within(CompletionStage<T> work, long deadlineNanos,
                                           Supplier<? extends Throwable> late) {
        CompletableFuture<T> bounded = new CompletableFuture<>();
        Timeout timer = at(deadlineNanos, () -> bounded.completeExceptionally(late.get()));
        work.whenComplete((value, failure) -> {
            timer.cancel();
            if (failure != null) {
                bounded.completeExceptionally(failure);
            } else {
                bounded.complete(value);
            }
        });
        return bounded;
    }

    /**
     * Runs {@code action} on the timer's thread once {@code deadlineNanos} (a {@link System#nanoTime()}) passes, unless
     * the returned timeout is cancelled first; the action must be quick.
     */
    public Timeout at(long deadlineNanos, Runnable action) {
        return wheel.newTimeout(ignored -> action.run(), Math.max(0, deadlineNanos - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    @PreDestroy
    void stop() {
        wheel.stop();
    }
}
