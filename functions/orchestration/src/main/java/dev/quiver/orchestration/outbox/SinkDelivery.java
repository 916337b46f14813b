package dev.quiver.orchestration.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Sends an outbox event to the sink (the Knative Broker) as a binary-mode CloudEvent ({@link CloudEventSender}): the
 * run in the {@code runid} extension, the step instance as {@code subject} and in {@code stepid}, and a dispatched
 * step's executor in {@code executor}, which the Trigger of that executor's consumer filters on; the trace context
 * kept with the event in {@code traceparent} and {@code tracestate}.
 */
final class SinkDelivery implements Delivery {

    private static final Logger LOG = Logger.getLogger(SinkDelivery.class);

    /** The longest one send may take; a relay sends only while its claim outlasts this. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI sink;
    private final URI source;
    private final EventCodec codec;
    private final CloudEventSender sender;
    private final ObjectMapper json;

    SinkDelivery(URI sink, URI source, EventCodec codec, CloudEventSender sender, ObjectMapper json) {
        this.json = json;
        this.sink = sink;
        this.source = source;
        this.codec = codec;
        this.sender = sender;
    }

    @Override
    public boolean deliver(Outbox.Entry entry) {
        // the trace context stored with the event: the send continues the trace of the work that decided it
        Map<String, String> correlation = new HashMap<>(entry.traceContext());
        if (entry.runId() != null) {
            correlation.put(CorrelationExtensions.RUN_ID, entry.runId());
        }
        if (entry.subject() != null) {
            correlation.put(CorrelationExtensions.STEP_ID, entry.subject());
        }
        if (EventTypes.STEP_DISPATCHED.equals(entry.type())) {
            correlation.put(CorrelationExtensions.EXECUTOR, executor(entry));
        }
        CloudEvent event = codec.event(entry.eventId(), entry.type(), source, entry.subject(),
                entry.data().getBytes(StandardCharsets.UTF_8), correlation);
        try {
            HttpResponse<byte[]> response = sender.send(sink, event, TIMEOUT);
            if (response.statusCode() / 100 == 2) {
                return true;
            }
            LOG.warnf("sink %s refused event %s (%s) with HTTP %d: %s", sink, entry.eventId(), entry.type(),
                    response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
            return false;
        } catch (IOException e) {
            LOG.warnf("sink %s cannot be reached for event %s: %s", sink, entry.eventId(), e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String executor(Outbox.Entry entry) {
        try {
            return json.readTree(entry.data()).path("executor").asText();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox event " + entry.eventId() + " is not a " + entry.type()
                    + " payload: " + e.getOriginalMessage(), e);
        }
    }
}
