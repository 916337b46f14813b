package dev.quiver.inference.events;

import dev.quiver.events.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The function's one codec of catalog events, on the function's one clock. */
@ApplicationScoped
public class EventCodecProducer {

    @Produces
    @Singleton
    EventCodec codec(Clock clock) {
        return new EventCodec(clock);
    }
}
