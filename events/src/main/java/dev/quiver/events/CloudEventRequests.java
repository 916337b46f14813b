package dev.quiver.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a function's CloudEvent endpoint must refuse before its binding sees a request: a request that is no
 * CloudEvent, one without a required attribute, one of another spec version, or a structured event that is not a JSON
 * object. Knative retries 5xx and not 4xx, so these get a 400 with the returned message, each app in its own error
 * format.
 */
public final class CloudEventRequests {

    private static final List<String> REQUIRED = List.of("id", "source", "specversion", "type");

    private CloudEventRequests() {
    }

    /**
     * @param contentType    the request's {@code Content-Type}, may be null
     * @param headerNames    every header name of the request
     * @param header         a header's value by name, null when absent
     * @param structuredBody the body as JSON, read only for a structured event; null when it is not JSON
     * @return what is wrong, or empty for a request the binding may take
     */
    public static Optional<String> problem(String contentType, Collection<String> headerNames,
                                           Function<String, String> header, Supplier<JsonNode> structuredBody) {
        List<String> missing = new ArrayList<>();
        String specVersion;
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents+json")) {
            JsonNode event = structuredBody.get();
            if (event == null || !event.isObject()) {
                return Optional.of("structured CloudEvent: expected a JSON object with id, source, specversion, type "
                        + "and data");
            }
            for (String attribute : REQUIRED) {
                if (!event.path(attribute).isTextual() || event.get(attribute).asText().isBlank()) {
                    missing.add(attribute);
                }
            }
            specVersion = event.path("specversion").isTextual() ? event.get("specversion").asText() : null;
        } else {
            boolean anyAttribute = headerNames.stream().anyMatch(name -> name.toLowerCase(Locale.ROOT)
                    .startsWith("ce-"));
            if (!anyAttribute) {
                return Optional.of("POST /: expected a CloudEvent, in binary mode (ce-id, ce-source, ce-specversion, "
                        + "ce-type headers) or structured mode (application/cloudevents+json)");
            }
            for (String attribute : REQUIRED) {
                String value = header.apply("ce-" + attribute);
                if (value == null || value.isBlank()) {
                    missing.add("ce-" + attribute);
                }
            }
            specVersion = header.apply("ce-specversion");
        }
        if (!missing.isEmpty()) {
            return Optional.of("CloudEvent: missing required attribute(s) " + String.join(", ", missing));
        }
        if (!"1.0".equals(specVersion)) {
            return Optional.of("CloudEvent: specversion '" + specVersion + "' is not supported; expected 1.0");
        }
        return Optional.empty();
    }
}
