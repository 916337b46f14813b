package dev.quiver.inference.events;

import dev.quiver.events.EventCodec;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.tracing.EventTracing;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/**
 * The function's one codec of catalog events, on the function's one clock; its one tracing of events; and its one
 * sender of events (version alerts, batch shards, demand reports), each send bounded by its caller's timeout.
 */
@ApplicationScoped
public class EventCodecProducer {

    @Produces
    @Singleton
    EventCodec codec(Clock clock) {
        return new EventCodec(clock);
    }

    @Produces
    @Singleton
    EventTracing tracing(OpenTelemetry openTelemetry,
                         @ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean tracingOff) {
        return EventTracing.on(openTelemetry, tracingOff);
    }

    @Produces
    @Singleton
    CloudEventSender sender(EventTracing tracing) {
        return new CloudEventSender(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), tracing);
    }
}
