package dev.quiver.deploy.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.DeployException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model rollout|promote|rollback|status <model>}: a model's canary rollout, through the admin endpoints of the
 * inference function ({@code /v2/models/{name}/rollout}), which keeps the rollout in its model repository and judges
 * each step itself. This tool only asks and prints.
 */
@Command(name = "model", description = "Roll a new version of a model out step by step, judged by the inference "
        + "function: rollout, status, promote, rollback.")
public final class ModelRollouts {

    private static final String MODEL = "The model, as the inference function serves it.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final PrintStream out;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${QUIVER_INFERENCE_URL:-http://localhost:8080}",
            scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The inference function (QUIVER_INFERENCE_URL).", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS)
    private URI url;

    @Option(names = "--key", paramLabel = "ADMIN_KEY", defaultValue = "${QUIVER_ADMIN_KEY}",
            scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "An admin API key (QUIVER_ADMIN_KEY); see ./quiver new-key --admin.")
    private String key;

    public ModelRollouts(HttpClient http, PrintStream out) {
        this.http = http;
        this.out = out;
    }

    @Command(name = "rollout", showDefaultValues = true, description = "Start a canary of VERSION against the "
            + "stable version: the canary gets each step's weight in turn, each step is judged once it has baked "
            + "and served enough, then promoted or rolled back on its own.")
    void rollout(
            @Parameters(paramLabel = "MODEL", description = MODEL) String model,
            @Option(names = "--version", required = true, paramLabel = "N", description = "The canary version.")
            Long version,
            @Option(names = "--steps", paramLabel = "W", split = ",", description = "The canary's weight "
                    + "at each step, rising to 100; the function's default (5,25,50,100) when omitted.")
            List<Integer> steps,
            @Option(names = "--bake", paramLabel = "DURATION", description = "How long each step runs before it is "
                    + "judged, such as 2m or 30s; the function's default (2m) when omitted.") String bake,
            @Option(names = "--stable", paramLabel = "N", description = "The stable version; the routing's stable "
                    + "alias, else the highest version served, when omitted.") Long stable,
            @Option(names = "--min-requests", paramLabel = "N", description = "Requests the canary must serve in a "
                    + "step before it is judged; the function's default (100) when omitted.") Long minRequests) {
        ObjectNode body = JSON.createObjectNode().put("version", version);
        if (steps != null) {
            body.putArray("steps").addAll(steps.stream().map(JSON.getNodeFactory()::numberNode).toList());
        }
        Optional.ofNullable(bake).ifPresent(value -> body.put("bake", value));
        Optional.ofNullable(stable).ifPresent(value -> body.put("stable", value));
        Optional.ofNullable(minRequests).ifPresent(value -> body.putObject("criteria").put("min_requests", value));
        print(send(model, "", "POST", body.toString()));
    }

    @Command(name = "status", description = "The rollout: versions, step and weight, this step's figures summed over "
            + "the replicas, what the judge would decide now, and every decision so far with its reasons.")
    void status(@Parameters(paramLabel = "MODEL", description = MODEL) String model) {
        print(send(model, "", "GET", null));
    }

    @Command(name = "promote", description = "Make the canary the stable version now, whatever the judge says.")
    void promote(@Parameters(paramLabel = "MODEL", description = MODEL) String model) {
        print(send(model, "/promote", "POST", "{}"));
    }

    @Command(name = "rollback", description = "Send all traffic back to the stable version now.")
    void rollback(@Parameters(paramLabel = "MODEL", description = MODEL) String model) {
        print(send(model, "/rollback", "POST", "{}"));
    }

    private JsonNode send(String model, String action, String method, String body) {
        URI target = url.resolve("/v2/models/" + model + "/rollout" + action);
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null && !key.isBlank()) {
            request.header("X-API-Key", key);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DeployException("cannot reach the inference function at " + url + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployException("interrupted while asking " + target, e);
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new DeployException(method + " " + target + " answered " + response.statusCode()
                    + " with no JSON: " + response.body(), e);
        }
        if (response.statusCode() >= 300) {
            String hint = response.statusCode() == 401 ? " (give an admin key with --key or QUIVER_ADMIN_KEY)" : "";
            throw new DeployException(method + " " + target + ": " + response.statusCode() + " "
                    + json.path("error").asText(response.body()) + hint);
        }
        return json;
    }

    private void print(JsonNode status) {
        new RolloutPrinter(out).print(status);
    }
}
