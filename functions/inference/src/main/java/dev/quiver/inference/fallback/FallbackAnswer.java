package dev.quiver.inference.fallback;

import dev.quiver.inference.tensor.Tensor;
import java.util.List;

/**
 * An answer a fallback step gave.
 *
 * @param outputs    the outputs asked for, under the names callers use
 * @param kind       the kind of step ({@code previous_version}, {@code model}, {@code default_outputs}, {@code answers})
 * @param answeredBy what answered, for the caller: {@code model digits_small version 1}
 */
public record FallbackAnswer(List<Tensor> outputs, String kind, String answeredBy) {
}
