package dev.quiver.inference.monitoring;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * {@code quiver.inference.monitoring.*} of {@link dev.quiver.inference.InferenceConfig} (also environment variables):
 * what the function watches in the versions it serves. The limits that raise alerts are each model's own
 * ({@code monitoring:} in its configuration); where answers wait for their labels is Redis when
 * {@code quiver.ratelimit.redis} is set (the admission layer's), in process otherwise.
 */
public interface MonitoringConfig {

    /** Off: no prediction statistics, no answers kept for labels, no age or accuracy alerts (for cost benchmarks). */
    @WithDefault("true")
    boolean enabled();

    /** The latest predicted items of each version that its statistics and the constant-output check look at. */
    @WithDefault("1000")
    int window();

    /** How often statistics, ages and alerts are brought up to date, off the serving path. */
    @WithDefault("5s")
    Duration checkInterval();

    /** How long an answer is kept for its label; a label arriving later is counted {@code unmatched}. */
    @WithDefault("1h")
    Duration answerTtl();

    /** Answers kept in process at most (without Redis); the oldest go first. */
    @WithDefault("100000")
    long maxAnswers();

    /** The latest labels of each version that its live accuracy is computed over. */
    @WithDefault("1000")
    int labelWindow();
}
