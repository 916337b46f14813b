package dev.quiver.orchestration.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.builtin.BuiltInSteps;
import dev.quiver.orchestration.executors.FunctionExecutor;
import dev.quiver.orchestration.executors.KubernetesJobExecutor;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import io.cloudevents.CloudEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Sends the outbox to the sink (the Knative Broker) as binary-mode CloudEvents ({@link CloudEventSender}; the run in
 * the {@code runid} extension, the step instance as {@code subject} and in {@code stepid}), oldest first, each marked
 * sent once the sink took it. A sink that refuses or cannot be reached stops the round; the next round sends the same
 * events again, with the same ids. Without a sink (embedded mode) the events are delivered inside the function
 * ({@link LocalDelivery}).
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 100;

    private final Outbox outbox;
    private final Optional<URI> sink;
    private final URI source;
    private final EventCodec codec;
    private final CloudEventSender sender;
    private final Counter sent;
    private final Counter failures;
    private final LocalDelivery local;
    private final BuiltInSteps builtIns;
    private final FunctionExecutor functions;
    private final KubernetesJobExecutor jobs;
    private final ObjectMapper json;

    public OutboxRelay(Outbox outbox, LocalDelivery local, BuiltInSteps builtIns, FunctionExecutor functions,
                       KubernetesJobExecutor jobs, ObjectMapper json, EventCodec codec, CloudEventSender sender,
                       OrchestrationConfig config, MeterRegistry meters) {
        this.outbox = outbox;
        this.local = local;
        this.builtIns = builtIns;
        this.functions = functions;
        this.jobs = jobs;
        this.json = json;
        this.codec = codec;
        this.sender = sender;
        this.sink = config.sink();
        this.source = URI.create(config.source());
        this.sent = Counter.builder("quiver.orchestration.events.sent")
                .description("Events the sink (or, embedded, the function itself) took from the outbox")
                .register(meters);
        this.failures = Counter.builder("quiver.orchestration.events.send.failures")
                .description("Attempts to send an outbox event that the sink refused or did not answer")
                .register(meters);
    }

    /** One round, run by the {@link RelayTimer}. */
    void relay() {
        for (Outbox.Entry entry : outbox.unsent(BATCH)) {
            boolean delivered = sink.isPresent() ? send(entry) : local.deliver(entry);
            if (!delivered) {
                failures.increment();
                return;
            }
            outbox.markSent(entry);
            sent.increment();
            builtIn(entry);
        }
    }

    /**
     * A dispatched built-in, {@code function} or (when enabled) {@code kubernetes-job} step runs here, on whichever
     * replica relays its event (a crash before the event is marked sent runs it again: built-in steps are idempotent,
     * a function gets the same event id, a Job has the same name).
     */
    private void builtIn(Outbox.Entry entry) {
        if (!EventTypes.STEP_DISPATCHED.equals(entry.type())) {
            return;
        }
        try {
            StepDispatched step = json.readValue(entry.data(), StepDispatched.class);
            if (BuiltInSteps.runs(step.executor())) {
                builtIns.start(step);
            } else if (ExecutorKind.FUNCTION.yamlName().equals(step.executor())) {
                functions.start(step);
            } else if (ExecutorKind.KUBERNETES_JOB.yamlName().equals(step.executor()) && jobs.enabled()) {
                jobs.start(step);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox event " + entry.eventId() + " is not a step.dispatched payload: "
                    + e.getOriginalMessage(), e);
        }
    }

    private boolean send(Outbox.Entry entry) {
        Map<String, String> correlation = new HashMap<>();
        if (entry.runId() != null) {
            correlation.put(CorrelationExtensions.RUN_ID, entry.runId());
        }
        if (entry.subject() != null) {
            correlation.put(CorrelationExtensions.STEP_ID, entry.subject());
        }
        CloudEvent event = codec.event(entry.eventId(), entry.type(), source, entry.subject(),
                entry.data().getBytes(StandardCharsets.UTF_8), correlation);
        try {
            HttpResponse<byte[]> response = sender.send(sink.get(), event, Duration.ofSeconds(10));
            if (response.statusCode() / 100 == 2) {
                return true;
            }
            LOG.warnf("sink %s refused event %s (%s) with HTTP %d: %s", sink.get(), entry.eventId(), entry.type(),
                    response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
            return false;
        } catch (IOException e) {
            LOG.warnf("sink %s cannot be reached for event %s: %s", sink.get(), entry.eventId(), e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
