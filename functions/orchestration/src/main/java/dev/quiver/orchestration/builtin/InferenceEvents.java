package dev.quiver.orchestration.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.events.inference.InferenceRequested;
import dev.quiver.events.inference.TensorPayload;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Asks the inference function for predictions with {@code dev.quiver.inference.requested} events (binary mode, the
 * reply event in the response, both read and written by the catalog's codec), the way any event producer does. A
 * version just published is served only once the inference function has seen it in its repository: until
 * {@code readyTimeout} has passed, "not found" answers to the first request for a version are asked again, and 429
 * and 5xx answers to any, each time as a new event (a redelivery of the same id would get the same answer). "Not
 * found" for a version that answered before means it was retired meanwhile (a newer pair was published), which no
 * waiting mends; so does "not found" for a first request when the asking run says it retired the version itself
 * (its publish step runs again), which no waiting mends either.
 */
final class InferenceEvents {

    /** The error class of a version not served because the asking run's own later publish retired it. */
    static final String VERSION_RETIRED = "VersionRetired";

    private static final Duration PAUSE = Duration.ofSeconds(1);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

    private final CloudEventSender sender;
    private final EventCodec codec;
    private final URI endpoint;
    private final URI source;
    private final Clock clock;

    InferenceEvents(CloudEventSender sender, EventCodec codec, URI endpoint, URI source, Clock clock) {
        this.sender = sender;
        this.codec = codec;
        this.endpoint = endpoint;
        this.source = source;
        this.clock = clock;
    }

    /**
     * The model's output {@code output} for each of {@code rows}, sent as the FP32 tensor {@code input}
     * [rows, features]; {@code first} when no request for this version was answered yet; {@code retiredByItsRun}
     * tells, when the version is not found, whether the run asking retired it itself.
     *
     * @throws BuiltInStepException {@code InferenceRefused} when the function says the request can never succeed,
     *                              {@code InferenceUnavailable} when it did not answer within {@code readyTimeout}
     */
    float[][] predict(String model, String version, String input, String output, List<float[]> rows,
                      boolean first, Duration readyTimeout, BooleanSupplier retiredByItsRun)
            throws InterruptedException {
        InferenceRequested request = request(model, version, input, output, rows);
        Instant giveUp = clock.instant().plus(readyTimeout);
        String what = "model " + model + " version " + version + " at " + endpoint;
        while (true) {
            String lastAnswer;
            Duration pause = PAUSE;
            try {
                HttpResponse<byte[]> response = sender.send(endpoint, codec.encode(EventTypes.INFERENCE_REQUESTED,
                        source, request, Map.of()), REQUEST_TIMEOUT);
                int status = response.statusCode();
                if (status == 200) {
                    CloudEvent reply = reply(response, what);
                    if (reply.getType().equals(EventTypes.INFERENCE_COMPLETED)) {
                        return outputs(decode(reply, InferenceCompleted.class, what), output, rows.size(), what);
                    }
                    InferenceFailed failed = decode(reply, InferenceFailed.class, what);
                    if (!InferenceFailed.NOT_FOUND.equals(failed.reason())) {
                        throw new BuiltInStepException("InferenceRefused", what + ": " + failed.error());
                    }
                    if (!first) {
                        throw new BuiltInStepException("InferenceRefused", what + " is no longer served: "
                                + failed.error());
                    }
                    if (retiredByItsRun.getAsBoolean()) {
                        throw new BuiltInStepException(VERSION_RETIRED, what + " is not served, and the run that "
                                + "asks for it publishes again: " + failed.error());
                    }
                    lastAnswer = failed.error();
                } else if (status == 429 || status >= 500) {
                    lastAnswer = "HTTP " + status + " " + new String(response.body(), StandardCharsets.UTF_8);
                    pause = response.headers().firstValue("Retry-After").map(InferenceEvents::seconds).orElse(PAUSE);
                } else {
                    throw new BuiltInStepException("InferenceRefused", what + " answered HTTP " + status + " "
                            + new String(response.body(), StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                lastAnswer = "not reachable: " + e;
            }
            if (clock.instant().plus(pause).isAfter(giveUp)) {
                throw new BuiltInStepException("InferenceUnavailable", what + " did not answer within "
                        + readyTimeout.toSeconds() + "s; last: " + lastAnswer);
            }
            Thread.sleep(pause);
        }
    }

    /** The reply event of a 200: completed or failed, nothing else. */
    private static CloudEvent reply(HttpResponse<byte[]> response, String what) {
        CloudEvent reply;
        try {
            reply = CloudEventHttp.read(response).event();
        } catch (InvalidEventException e) {
            throw new BuiltInStepException("InferenceRefused", what + " answered HTTP 200 with no reply event: "
                    + e.getMessage());
        }
        if (!reply.getType().equals(EventTypes.INFERENCE_COMPLETED)
                && !reply.getType().equals(EventTypes.INFERENCE_FAILED)) {
            throw new BuiltInStepException("InferenceRefused", what + " answered with an event of type "
                    + reply.getType() + ", expected " + EventTypes.INFERENCE_COMPLETED + " or "
                    + EventTypes.INFERENCE_FAILED);
        }
        return reply;
    }

    private <T extends Record> T decode(CloudEvent reply, Class<T> payload, String what) {
        try {
            return codec.decode(reply, payload);
        } catch (InvalidEventException e) {
            throw new BuiltInStepException("InferenceRefused", what + " answered " + e.getMessage());
        }
    }

    private static InferenceRequested request(String model, String version, String input, String output,
                                              List<float[]> rows) {
        ArrayNode values = JsonNodeFactory.instance.arrayNode(rows.size() * rows.getFirst().length);
        for (float[] row : rows) {
            for (float value : row) {
                values.add(value);
            }
        }
        TensorPayload tensor = new TensorPayload(input, "FP32", List.of((long) rows.size(),
                (long) rows.getFirst().length), values);
        return new InferenceRequested(model, version, List.of(tensor), List.of(output));
    }

    private static float[][] outputs(InferenceCompleted completed, String output, int rows, String what) {
        for (TensorPayload tensor : completed.outputs()) {
            if (!tensor.name().equals(output)) {
                continue;
            }
            List<Long> shape = tensor.shape();
            if (shape.size() != 2 || shape.get(0) != rows) {
                throw new BuiltInStepException("InferenceRefused", what + ": output " + output + " has shape " + shape
                        + ", expected [" + rows + ", classes]");
            }
            int width = Math.toIntExact(shape.get(1));
            float[] flat = new float[rows * width];
            int[] next = {0};
            flatten(tensor.data(), flat, next);
            if (next[0] != flat.length) {
                throw new BuiltInStepException("InferenceRefused", what + ": output " + output + " holds " + next[0]
                        + " values, its shape " + shape + " says " + flat.length);
            }
            float[][] result = new float[rows][width];
            for (int row = 0; row < rows; row++) {
                System.arraycopy(flat, row * width, result[row], 0, width);
            }
            return result;
        }
        throw new BuiltInStepException("InferenceRefused", what + ": the answer has no output named " + output);
    }

    /** OIP tensors may be written flat or nested to their shape. */
    private static void flatten(JsonNode data, float[] into, int[] next) {
        if (data.isArray()) {
            data.forEach(element -> flatten(element, into, next));
        } else {
            if (next[0] < into.length) {
                into[next[0]] = (float) data.asDouble();
            }
            next[0]++;
        }
    }

    private static Duration seconds(String retryAfter) {
        try {
            return Duration.ofSeconds(Math.max(1, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return PAUSE;
        }
    }
}
