package dev.quiver.inference.modelconfig;

import java.time.Duration;

/**
 * The function-wide settings of deadlines and output checks ({@code quiver.inference.timeout},
 * {@code quiver.inference.output-checks.*}) that a model's configuration may override.
 *
 * @param timeout             a request's deadline; zero means none
 * @param outputCheckFailures failed answers within the window that take a version out of service
 * @param outputCheckWindow   the latest checked answers of a version that count
 */
public record FailsafeDefaults(Duration timeout, int outputCheckFailures, int outputCheckWindow) {
}
