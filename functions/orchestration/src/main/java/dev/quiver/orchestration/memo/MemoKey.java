package dev.quiver.orchestration.memo;

import dev.quiver.orchestration.digest.Sha256;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step's memoization key: the SHA-256 of its pipeline and step name, executor, parameters (with the code version
 * when a parameter {@code code-version} or {@code image} names it) and the content digests of its input artifacts
 * (their location when an artifact has no digest). Same key, same work.
 */
public final class MemoKey {

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private MemoKey() {
    }

    /** An input artifact: produced by an upstream instance. */
    public record Input(String instance, String name, String uri, String digest) {
    }

    public static String of(String pipeline, String step, String executor, Map<String, Object> params,
                            List<Input> inputs) {
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("pipeline", pipeline);
        identity.put("step", step);
        identity.put("executor", executor);
        identity.put("params", params);
        identity.put("inputs", inputs.stream()
                .sorted(Comparator.comparing(Input::instance).thenComparing(Input::name))
                .map(input -> input.instance() + "/" + input.name() + "="
                        + (input.digest() != null ? input.digest() : input.uri()))
                .toList());
        try {
            return Sha256.of(CANONICAL.writeValueAsString(identity).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("memoization key of " + pipeline + "/" + step + ": " + e.getMessage(), e);
        }
    }
}
