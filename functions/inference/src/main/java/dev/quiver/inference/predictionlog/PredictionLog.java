package dev.quiver.inference.predictionlog;

import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.serving.ServedInference;
import dev.quiver.inference.tensor.Tensor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Logs predictions to the {@code predictions} channel as KServe logger events: for each logged prediction a request
 * event and a response event with the same id ({@code org.kubeflow.serving.inference.request|response}, extension
 * {@code inferenceservicename} the model, {@code modelversion} its version), keyed by the id so both land in the same
 * Kafka partition.
 *
 * <p>Never in the way of a prediction: the caller's thread copies what is logged and hands it over without waiting.
 * At most {@code capacity} events wait for the sink (the in-memory sink or a Kafka broker); when a slow or absent sink
 * has let that many pile up, further predictions are not logged and are counted as dropped. Created at startup, so its
 * metrics are there (at zero) before the first prediction.
 */
@Startup
@ApplicationScoped
public class PredictionLog {

    public static final String CHANNEL = "predictions";
    public static final String REQUEST_TYPE = "org.kubeflow.serving.inference.request";
    public static final String RESPONSE_TYPE = "org.kubeflow.serving.inference.response";

    private static final String METRIC = "quiver.prediction.log.events";

    private final Emitter<PredictionPayload> emitter;
    private final InferenceConfig.PredictionLog settings;
    private final Set<String> redacted;
    private final long maxTensorBytes;
    private final URI source;
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter delivered;
    private final Counter failed;
    private final Counter dropped;
    private final MeterRegistry meters;
    private final List<Meter> registered = new ArrayList<>();

    public PredictionLog(@Channel(CHANNEL) @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
                         Emitter<PredictionPayload> emitter, InferenceConfig config, MeterRegistry meters) {
        this.emitter = emitter;
        this.settings = config.inference().predictionLog();
        double rate = settings.sampleRate();
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("quiver.inference.prediction-log.sample-rate: expected a number from 0 "
                    + "to 1, got " + rate);
        }
        if (settings.capacity() < 2) {
            throw new IllegalArgumentException("quiver.inference.prediction-log.capacity: expected at least 2 (the "
                    + "request and response events of one prediction), got " + settings.capacity());
        }
        this.redacted = settings.redact().orElse(Set.of());
        this.maxTensorBytes = settings.maxTensorSize().asLongValue();
        this.source = URI.create(settings.source());
        this.meters = meters;
        this.delivered = counter("delivered", "accepted by the sink (for Kafka: acknowledged by the broker)");
        this.failed = counter("failed", "refused by the sink (for Kafka: not acknowledged in time)");
        this.dropped = counter("dropped", "not logged because capacity events were already waiting");
        registered.add(Gauge.builder("quiver.prediction.log.pending", pending, AtomicInteger::get)
                .description("Prediction log events handed over and not yet accepted or refused by the sink")
                .register(meters));
    }

    private Counter counter(String outcome, String description) {
        Counter counter = Counter.builder(METRIC).tag("outcome", outcome)
                .description("Prediction log events " + description).register(meters);
        registered.add(counter);
        return counter;
    }

    /** A registry outlives the app on a restart in dev mode and tests; meters left there would read a dead app. */
    @PreDestroy
    void removeMeters() {
        registered.forEach(meters::remove);
    }

    /**
     * Logs a prediction when it is sampled.
     *
     * @param protocol the entry point it came through ({@code v2}, {@code v1}, {@code predict}, {@code event},
     *                 {@code batch})
     * @param id       the request id, shared by the request and response events
     */
    public void record(String protocol, String id, ServedInference<?> served) {
        if (!settings.enabled() || !sampled()) {
            return;
        }
        if (!reserve()) {
            dropped.increment(2);
            return;
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        send(new PredictionPayload(PredictionPayload.Kind.REQUEST, id, served.model(), served.version(),
                logged(served.request().inputs())), REQUEST_TYPE, protocol, now);
        send(new PredictionPayload(PredictionPayload.Kind.RESPONSE, id, served.model(), served.version(),
                logged(served.outputs())), RESPONSE_TYPE, protocol, now);
    }

    private boolean sampled() {
        double rate = settings.sampleRate();
        return rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate;
    }

    private boolean reserve() {
        while (true) {
            int now = pending.get();
            if (now + 2 > settings.capacity()) {
                return false;
            }
            if (pending.compareAndSet(now, now + 2)) {
                return true;
            }
        }
    }

    private List<LoggedTensor> logged(List<Tensor> tensors) {
        List<LoggedTensor> logged = new ArrayList<>(tensors.size());
        for (Tensor tensor : tensors) {
            logged.add(LoggedTensor.of(tensor, redacted.contains(tensor.name()), maxTensorBytes));
        }
        return logged;
    }

    private void send(PredictionPayload payload, String type, String protocol, ZonedDateTime time) {
        OutgoingCloudEventMetadata<Object> event = OutgoingCloudEventMetadata.builder()
                .withId(payload.id())
                .withType(type)
                .withSource(source)
                .withTimestamp(time)
                .withDataContentType("application/json")
                .withExtension("inferenceservicename", payload.model())
                .withExtension("modelversion", Long.toString(payload.version()))
                .withExtension("component", "predictor")
                .withExtension("endpoint", "default")
                .withExtension("protocol", protocol)
                .build();
        Message<PredictionPayload> message = Message.of(payload,
                Metadata.of(event, OutgoingKafkaRecordMetadata.<String>builder().withKey(payload.id()).build()),
                () -> settled(delivered), failure -> settled(failed));
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            // the channel is gone (the application is stopping, or its sink failed for good): never the caller's problem
            settled(failed);
        }
    }

    private CompletableFuture<Void> settled(Counter outcome) {
        pending.decrementAndGet();
        outcome.increment();
        return CompletableFuture.completedFuture(null);
    }
}
