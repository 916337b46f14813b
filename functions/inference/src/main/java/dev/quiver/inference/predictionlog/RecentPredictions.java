package dev.quiver.inference.predictionlog;

import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.providers.helpers.MultiUtils;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * The in-memory sink of the prediction log, the default when no broker is configured: keeps the latest {@code keep}
 * events (channel attribute, default 100) of the channels it serves and forgets older ones, so memory stays bounded
 * whatever the traffic. {@code GET /prediction-log} shows them.
 */
@ApplicationScoped
@Connector(RecentPredictions.CONNECTOR)
public class RecentPredictions implements OutboundConnector {

    public static final String CONNECTOR = "quiver-memory";

    private final Deque<Entry> recent = new ArrayDeque<>();
    private int keep = 100;

    private record Entry(OutgoingCloudEventMetadata<?> event, PredictionPayload payload) {
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        int channelKeep = config.getOptionalValue("keep", Integer.class).orElse(100);
        if (channelKeep < 1) {
            throw new IllegalArgumentException("mp.messaging.outgoing." + config.getValue("channel-name", String.class)
                    + ".keep: expected at least 1, got " + channelKeep);
        }
        synchronized (recent) {
            keep = channelKeep;
        }
        return MultiUtils.via(messages -> messages.onItem().invoke(this::remember));
    }

    private void remember(Message<?> message) {
        OutgoingCloudEventMetadata<?> event = message.getMetadata(OutgoingCloudEventMetadata.class).orElse(null);
        if (event != null && message.getPayload() instanceof PredictionPayload payload) {
            synchronized (recent) {
                recent.addLast(new Entry(event, payload));
                while (recent.size() > keep) {
                    recent.removeFirst();
                }
            }
            message.ack();
        } else {
            message.nack(new IllegalArgumentException("the in-memory prediction log takes prediction log events only"));
        }
    }

    /** The latest events, oldest first, in the JSON form of structured-mode CloudEvents. */
    public JsonArray latest(int limit) {
        List<Entry> entries;
        synchronized (recent) {
            entries = new ArrayList<>(recent);
        }
        JsonArray events = new JsonArray();
        for (Entry entry : entries.subList(Math.max(0, entries.size() - limit), entries.size())) {
            events.add(structured(entry));
        }
        return events;
    }

    private static JsonObject structured(Entry entry) {
        OutgoingCloudEventMetadata<?> event = entry.event();
        JsonObject json = new JsonObject()
                .put("specversion", event.getSpecVersion())
                .put("id", event.getId())
                .put("source", event.getSource().toString())
                .put("type", event.getType());
        event.getTimeStamp().ifPresent(time -> json.put("time", time.toInstant().toString()));
        event.getDataContentType().ifPresent(type -> json.put("datacontenttype", type));
        for (Map.Entry<String, Object> extension : event.getExtensions().entrySet()) {
            json.put(extension.getKey(), extension.getValue());
        }
        return json.put("data", new JsonObject(Buffer.buffer(PredictionPayloadJson.write(entry.payload()))));
    }
}
