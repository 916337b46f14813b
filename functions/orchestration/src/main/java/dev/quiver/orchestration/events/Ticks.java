package dev.quiver.orchestration.events;

import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.deadletter.DeadLetterStore;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.serving.ServingDemand;
import dev.quiver.orchestration.schedule.Schedules;
import dev.quiver.orchestration.sla.SlaWatch;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;

/** What a tick does (timers, quiet attempts, memoized results' expiry), and the function's own ticking when it is embedded ({@code quiver.orchestration.internal-ticks}). */
@ApplicationScoped
public class Ticks {

    private final RunCoordinator coordinator;
    private final ServingDemand serving;
    private final Schedules schedules;
    private final SlaWatch slas;
    private final Outbox outbox;
    private final DeadLetterStore deadLetters;
    private final Clock clock;
    private final Duration heartbeatTimeout;
    private final Duration paceMinSpan;
    private final double paceMargin;
    private final Duration memoTtl;
    private final Duration memoIdle;
    private final Duration retention;
    private final Duration deadLetterRetention;
    private final boolean internal;

    public Ticks(RunCoordinator coordinator, ServingDemand serving, Schedules schedules, SlaWatch slas,
                 Outbox outbox, DeadLetterStore deadLetters, Clock clock, OrchestrationConfig config) {
        this.coordinator = coordinator;
        this.serving = serving;
        this.schedules = schedules;
        this.slas = slas;
        this.outbox = outbox;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.heartbeatTimeout = config.heartbeatTimeout();
        this.paceMinSpan = config.retry().runningPaceMinSpan();
        this.paceMargin = config.retry().runningPaceMargin();
        this.memoTtl = config.memoTtl();
        this.memoIdle = config.memoIdle();
        this.retention = config.eventRetention();
        this.deadLetterRetention = config.deadLetterRetention();
        this.internal = config.internalTicks();
    }

    /**
     * Fires due timers, fails quiet and stalled attempts, frees the pool room of serving replicas that stopped
     * reporting, resumes waiting steps, starts the runs schedules ask for, announces SLA misses, and removes expired
     * memoized results and the handled events, sent outbox events and dead letters past their retention.
     */
    public void fire() {
        coordinator.fireDue(clock.instant(), heartbeatTimeout);
        coordinator.failStalled(clock.instant());
        coordinator.failHopeless(clock.instant(), paceMinSpan, paceMargin);
        serving.expire();
        coordinator.resumeWaiting(clock.instant());
        schedules.tick();
        slas.check();
        coordinator.collectMemoized(clock.instant(), memoTtl, memoIdle);
        coordinator.forgetHandledEvents(clock.instant(), retention);
        outbox.forgetSent(clock.instant().minus(retention));
        deadLetters.forgetReceivedBefore(clock.instant().minus(deadLetterRetention));
    }

    @Scheduled(every = "${quiver.orchestration.tick-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void internalTick() {
        if (internal) {
            fire();
        }
    }
}
