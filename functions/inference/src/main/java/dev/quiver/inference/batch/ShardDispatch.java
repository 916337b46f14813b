package dev.quiver.inference.batch;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.inference.ShardRequested;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Sends {@code dev.quiver.inference.shard.requested} events to the broker ({@code quiver.batch.sink}, Knative's
 * {@code K_SINK}), one per shard, each with an id that follows from the object version and the shard, so a shard sent
 * again is the same event. Without a sink there is no broker: the shards are run in this process instead.
 */
@ApplicationScoped
public class ShardDispatch {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    private final Optional<URI> sink;
    private final EventCodec codec;
    private final CloudEventSender sender;

    public ShardDispatch(InferenceConfig config, EventCodec codec, CloudEventSender sender) {
        this.sink = config.batch().sink();
        this.codec = codec;
        this.sender = sender;
    }

    /** Whether shards go to a broker, to be run by any replica, rather than in this process. */
    public boolean toBroker() {
        return sink.isPresent();
    }

    /**
     * @throws InferenceException 503 when the broker does not take the event, so that the notification that planned
     *                            the shards is retried and sends them again
     */
    public void send(ShardRequested shard) {
        String id = UUID.nameUUIDFromBytes((shard.input() + '\u0000' + shard.inputVersion() + '\u0000'
                + shard.shard()).getBytes(StandardCharsets.UTF_8)).toString();
        CloudEvent event = codec.encode(id, EventTypes.INFERENCE_SHARD_REQUESTED, StorageNotificationRoute.SOURCE, shard.key(), shard,
                Map.of());
        try {
            HttpResponse<byte[]> answer = sender.send(sink.orElseThrow(), event, TIMEOUT);
            if (answer.statusCode() >= 300) {
                throw InferenceException.unavailable("shard " + shard.shard() + " of " + shard.input() + ": the "
                        + "broker " + sink.get() + " answered " + answer.statusCode() + "; retry later", RETRY_AFTER);
            }
        } catch (IOException e) {
            throw InferenceException.unavailable("shard " + shard.shard() + " of " + shard.input() + ": the broker "
                    + sink.get() + " is unreachable (" + e.getMessage() + "); retry later", RETRY_AFTER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw InferenceException.unavailable("shard " + shard.shard() + " of " + shard.input() + ": interrupted "
                    + "while sending it; retry later", RETRY_AFTER);
        }
    }
}
