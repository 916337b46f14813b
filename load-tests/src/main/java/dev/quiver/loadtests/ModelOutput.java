package dev.quiver.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A served model's first output as its v2 metadata describes it: its name and elements per item. */
record ModelOutput(String name, int elements) {

    static ModelOutput of(URI function, String model) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(function.resolve("/v2/models/" + model))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("GET /v2/models/" + model + " answered " + answer.statusCode());
            }
            JsonNode output = new ObjectMapper().readTree(answer.body()).path("outputs").path(0);
            int elements = 1;
            for (JsonNode dimension : output.path("shape")) {
                elements *= Math.max(1, dimension.asInt());
            }
            return new ModelOutput(output.path("name").asText(), elements);
        }
    }
}
