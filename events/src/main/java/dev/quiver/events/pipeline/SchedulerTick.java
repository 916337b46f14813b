package dev.quiver.events.pipeline;

import java.time.Instant;

/**
 * Payload of {@code dev.quiver.scheduler.tick}.
 *
 * @param at when the tick was scheduled; the time it arrives when null
 */
public record SchedulerTick(Instant at) {
}
