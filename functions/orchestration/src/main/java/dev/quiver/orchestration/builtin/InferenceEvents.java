package dev.quiver.orchestration.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.events.EventTypes;
import dev.quiver.events.inference.InferenceFailed;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Asks the inference function for predictions with {@code dev.quiver.inference.requested} events (binary mode, the
 * reply in the response), the way any event producer does. A version just published is served only once the
 * inference function has seen it in its repository: until {@code readyTimeout} has passed, "not found" answers to the
 * first request for a version are asked again, and 429 and 5xx answers to any, each time as a new event (a
 * redelivery of the same id would get the same answer). "Not found" for a version that answered before means it was
 * retired meanwhile (a newer pair was published), which no waiting mends.
 */
final class InferenceEvents {

    private static final Duration PAUSE = Duration.ofSeconds(1);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

    private final HttpClient http;
    private final ObjectMapper json;
    private final URI endpoint;
    private final String source;
    private final Clock clock;

    InferenceEvents(HttpClient http, ObjectMapper json, URI endpoint, String source, Clock clock) {
        this.http = http;
        this.json = json;
        this.endpoint = endpoint;
        this.source = source;
        this.clock = clock;
    }

    /**
     * The model's output {@code output} for each of {@code rows}, sent as the FP32 tensor {@code input}
     * [rows, features]; {@code first} when no request for this version was answered yet.
     *
     * @throws BuiltInStepException {@code InferenceRefused} when the function says the request can never succeed,
     *                              {@code InferenceUnavailable} when it did not answer within {@code readyTimeout}
     */
    float[][] predict(String model, String version, String input, String output, List<float[]> rows,
                      boolean first, Duration readyTimeout) throws InterruptedException {
        byte[] body = request(model, version, input, output, rows);
        Instant giveUp = clock.instant().plus(readyTimeout);
        String what = "model " + model + " version " + version + " at " + endpoint;
        while (true) {
            String lastAnswer;
            Duration pause = PAUSE;
            try {
                HttpResponse<byte[]> response = http.send(event(body), HttpResponse.BodyHandlers.ofByteArray());
                int status = response.statusCode();
                String type = response.headers().firstValue("ce-type").orElse("");
                if (status == 200 && type.equals(EventTypes.INFERENCE_COMPLETED)) {
                    return outputs(json.readTree(response.body()), output, rows.size(), what);
                }
                if (status == 200 && type.equals(EventTypes.INFERENCE_FAILED)) {
                    InferenceFailed failed = json.readValue(response.body(), InferenceFailed.class);
                    if (!InferenceFailed.NOT_FOUND.equals(failed.reason())) {
                        throw new BuiltInStepException("InferenceRefused", what + ": " + failed.error());
                    }
                    if (!first) {
                        throw new BuiltInStepException("InferenceRefused", what + " is no longer served: "
                                + failed.error());
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

    private HttpRequest event(byte[] body) {
        return HttpRequest.newBuilder(endpoint).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("ce-specversion", "1.0")
                .header("ce-id", UUID.randomUUID().toString())
                .header("ce-source", source)
                .header("ce-type", EventTypes.INFERENCE_REQUESTED)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private byte[] request(String model, String version, String input, String output, List<float[]> rows) {
        ObjectNode data = json.createObjectNode();
        data.put("model", model);
        data.put("version", version);
        ObjectNode tensor = data.putArray("inputs").addObject();
        tensor.put("name", input);
        tensor.put("datatype", "FP32");
        tensor.putArray("shape").add(rows.size()).add(rows.getFirst().length);
        ArrayNode values = tensor.putArray("data");
        for (float[] row : rows) {
            for (float value : row) {
                values.add(value);
            }
        }
        data.putArray("outputs").add(output);
        try {
            return json.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new IllegalStateException("an inference request could not be written", e);
        }
    }

    private static float[][] outputs(JsonNode completed, String output, int rows, String what) {
        for (JsonNode tensor : completed.path("outputs")) {
            if (!tensor.path("name").asText().equals(output)) {
                continue;
            }
            JsonNode shape = tensor.path("shape");
            if (shape.size() != 2 || shape.get(0).asLong() != rows) {
                throw new BuiltInStepException("InferenceRefused", what + ": output " + output + " has shape " + shape
                        + ", expected [" + rows + ", classes]");
            }
            int width = shape.get(1).asInt();
            float[] flat = new float[rows * width];
            int[] next = {0};
            flatten(tensor.path("data"), flat, next);
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
