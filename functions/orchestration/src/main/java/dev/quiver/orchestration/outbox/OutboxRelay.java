package dev.quiver.orchestration.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.pipeline.StepAlert;
import dev.quiver.events.pipeline.StepCancelled;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepPreempted;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.dispatch.StepRouter;
import dev.quiver.orchestration.events.EventLogContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.util.Set;
import java.util.UUID;

/**
 * Sends the outbox to the sink (the Knative Broker, {@link SinkDelivery}), oldest first, each event claimed by this
 * replica's {@link ClaimingRelay} and marked sent once the sink took it, so that replicas send each event once. A sink
 * that refuses or cannot be reached stops the round; the next round sends the same events again, with the same ids.
 * Without a sink (embedded mode) the events are delivered inside the function ({@link LocalDelivery}). A dispatched
 * step is started, by whatever the {@link StepRouter} says runs it here, by the replica that marked its event sent.
 * Made at start (rather than at the first round, which logs and goes on), so that a bad relay lease stops the start.
 */
@ApplicationScoped
@Startup
public class OutboxRelay {

    /** The events the step router acts on where the step runs here, once they are sent. */
    private static final Set<String> ROUTED = Set.of(EventTypes.STEP_DISPATCHED, EventTypes.STEP_CANCELLED,
            EventTypes.STEP_PREEMPTED, EventTypes.STEP_ALERT_RAISED);

    private final ClaimingRelay relay;
    private final Delivery delivery;
    private final Counter sent;
    private final Counter failures;
    private final StepRouter router;
    private final ObjectMapper json;
    private final EventTracing tracing;

    public OutboxRelay(Outbox outbox, LocalDelivery local, StepRouter router, ObjectMapper json, EventCodec codec,
                       CloudEventSender sender, EventTracing tracing, OrchestrationConfig config, Clock clock,
                       MeterRegistry meters) {
        this.router = router;
        this.json = json;
        this.tracing = tracing;
        this.delivery = config.sink().<Delivery>map(sink -> new SinkDelivery(sink, URI.create(config.source()),
                codec, sender, json)).orElse(local);
        this.relay = new ClaimingRelay(outbox, "relay-" + UUID.randomUUID(), config.relayLease(),
                SinkDelivery.TIMEOUT, clock);
        this.sent = Counter.builder("quiver.orchestration.events.sent")
                .description("Events the sink (or, embedded, the function itself) took from the outbox")
                .register(meters);
        this.failures = Counter.builder("quiver.orchestration.events.send.failures")
                .description("Attempts to send an outbox event that the sink refused or did not answer")
                .register(meters);
    }

    /** One round, run by the {@link RelayTimer}. */
    void relay() {
        ClaimingRelay.Round round = relay.relay(delivery, entry -> {
            sent.increment();
            start(entry);
        });
        if (round.refused()) {
            failures.increment();
        }
    }

    /**
     * Starts what a dispatched, cancelled or preempted step asks of this replica, in a span that goes on from the trace
     * kept with the event, so that a step's work (and the inference calls it makes) joins the run's trace.
     */
    private void start(Outbox.Entry entry) {
        if (!ROUTED.contains(entry.type())) {
            return;
        }
        Span span = tracing.startProcess(entry.type(), entry.traceContext());
        try (Scope ignored = span.makeCurrent();
             EventLogContext logged = EventLogContext.of(entry.runId(), entry.subject())) {
            route(entry);
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private void route(Outbox.Entry entry) {
        try {
            if (EventTypes.STEP_DISPATCHED.equals(entry.type())) {
                router.start(json.readValue(entry.data(), StepDispatched.class));
            } else if (EventTypes.STEP_CANCELLED.equals(entry.type())) {
                router.cancel(json.readValue(entry.data(), StepCancelled.class));
            } else if (EventTypes.STEP_PREEMPTED.equals(entry.type())) {
                router.preempt(json.readValue(entry.data(), StepPreempted.class));
            } else if (EventTypes.STEP_ALERT_RAISED.equals(entry.type())) {
                router.alert(json.readValue(entry.data(), StepAlert.class));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox event " + entry.eventId() + " is not a " + entry.type()
                    + " payload: " + e.getOriginalMessage(), e);
        }
    }
}
