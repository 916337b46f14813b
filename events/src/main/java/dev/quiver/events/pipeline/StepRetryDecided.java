package dev.quiver.events.pipeline;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Payload of {@code dev.quiver.step.retry.decided}: what was decided about a failed attempt, why, and on what
 * evidence.
 *
 * @param action        RETRY, RETRY_WITH_RESOURCES, RERUN_UPSTREAM, ACCEPT_PARTIAL, ABANDON or GIVE_UP
 * @param reasons       why, most decisive first
 * @param evidence      the figures the reasons rest on
 * @param nextAttemptAt when the next attempt is dispatched (RETRY, RETRY_WITH_RESOURCES)
 * @param memoryBytes   the next attempt's memory limit (RETRY_WITH_RESOURCES)
 * @param upstream      the instance that runs again first (RERUN_UPSTREAM)
 */
public record StepRetryDecided(String runId, String pipeline, String instance, int attempt, String action,
                               List<String> reasons, Map<String, Object> evidence, Instant nextAttemptAt,
                               Long memoryBytes, String upstream) {
}
