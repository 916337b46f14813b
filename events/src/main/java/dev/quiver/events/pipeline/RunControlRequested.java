package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.pipeline.run.control.requested}: an operator's order about a run, as an event (the same
 * orders as the orchestration function's admin endpoints).
 *
 * @param action      {@code cancel} the run; {@code kill} the running attempt of {@code instance} (the step fails as
 *                    {@code Cancelled}); {@code restart} {@code instance} (its running attempt is killed first); or
 *                    {@code rerun} from the step or instance {@code instance}, with everything downstream
 * @param requestedBy who asked, recorded with the order; the event's source when absent
 */
public record RunControlRequested(String runId, String action, String instance, String requestedBy, String reason) {
}
