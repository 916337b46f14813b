package dev.quiver.orchestration.events;

import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;

/** What a tick does (timers, quiet attempts, memoized results' expiry), and the function's own ticking when it is embedded ({@code quiver.orchestration.internal-ticks}). */
@ApplicationScoped
public class Ticks {

    private final RunCoordinator coordinator;
    private final Clock clock;
    private final Duration heartbeatTimeout;
    private final Duration memoTtl;
    private final Duration memoIdle;
    private final boolean internal;

    public Ticks(RunCoordinator coordinator, Clock clock, OrchestrationConfig config) {
        this.coordinator = coordinator;
        this.clock = clock;
        this.heartbeatTimeout = config.heartbeatTimeout();
        this.memoTtl = config.memoTtl();
        this.memoIdle = config.memoIdle();
        this.internal = config.internalTicks();
    }

    /** Fires due timers, fails quiet attempts, resumes waiting steps and removes expired memoized results. */
    public void fire() {
        coordinator.fireDue(clock.instant(), heartbeatTimeout);
        coordinator.resumeWaiting(clock.instant());
        coordinator.collectMemoized(clock.instant(), memoTtl, memoIdle);
    }

    @Scheduled(every = "${quiver.orchestration.tick-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void internalTick() {
        if (internal) {
            fire();
        }
    }
}
