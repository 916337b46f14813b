package dev.quiver.baseline;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * A version's {@code baseline.json}, beside its {@code model.onnx}: what its training inputs looked like, so that the
 * inputs it serves can be compared with them.
 *
 * @param trainedAt when the model was trained, an ISO-8601 instant
 * @param rows      training rows seen (the statistics may come from a uniform sample of them, see
 *                  {@link InputBaseline#sampleRows()})
 * @param inputs    per input, by the name callers use
 */
public record TrainingBaseline(@JsonProperty("trained_at") String trainedAt, long rows,
                               Map<String, InputBaseline> inputs) {

    public static final String FILE = "baseline.json";

    public TrainingBaseline {
        if (trainedAt == null) {
            throw new IllegalArgumentException("trained_at: required, an ISO-8601 instant");
        }
        try {
            Instant.parse(trainedAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("trained_at: expected an ISO-8601 instant such as "
                    + "2026-12-05T10:15:30Z, got \"" + trainedAt + "\"");
        }
        if (rows < 1) {
            throw new IllegalArgumentException("rows: expected at least 1, got " + rows);
        }
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs: required, at least one input");
        }
        inputs = Map.copyOf(inputs);
    }

    public Instant trainedAtInstant() {
        return Instant.parse(trainedAt);
    }
}
