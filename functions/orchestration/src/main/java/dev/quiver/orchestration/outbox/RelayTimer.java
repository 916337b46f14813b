package dev.quiver.orchestration.outbox;

import dev.quiver.orchestration.OrchestrationConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the {@link OutboxRelay} every {@code quiver.orchestration.relay-interval}, from the function's start to its
 * shutdown, one round at a time (the next starts that long after the last ended). Quarkus's scheduler checks its
 * triggers once a second, so an interval below a second set there would run once a second: the outbox is what makes
 * a step's dependents start, so its interval is the latency between steps.
 */
@ApplicationScoped
public class RelayTimer {

    private static final Logger LOG = Logger.getLogger(RelayTimer.class);

    private final OutboxRelay relay;
    private final Duration interval;
    private ScheduledExecutorService timer;

    public RelayTimer(OutboxRelay relay, OrchestrationConfig config) {
        this.relay = relay;
        this.interval = config.relayInterval();
    }

    void start(@Observes StartupEvent started) {
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("outbox-relay").daemon()
                .factory());
        long millis = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::round, millis, millis, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** A round that fails is logged and the next one tried: a failure thrown out would end the schedule. */
    private void round() {
        try {
            relay.relay();
        } catch (RuntimeException e) {
            LOG.warnf(e, "an outbox round failed; the next is in %s", interval);
        }
    }
}
