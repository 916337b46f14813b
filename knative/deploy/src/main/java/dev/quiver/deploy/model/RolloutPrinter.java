package dev.quiver.deploy.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Prints a rollout's status as the inference function answers it, for people: one fact a line. */
final class RolloutPrinter {

    private final PrintStream out;

    RolloutPrinter(PrintStream out) {
        this.out = out;
    }

    void print(JsonNode status) {
        JsonNode rollout = status.path("rollout");
        List<Integer> steps = new ArrayList<>();
        rollout.path("steps").forEach(step -> steps.add(step.asInt()));
        out.printf("model %s: version %d against stable version %d, %s%n", rollout.path("model").asText(),
                rollout.path("canary_version").asLong(), rollout.path("stable_version").asLong(),
                rollout.path("status").asText().replace('_', ' '));
        out.printf("  canary weight %d%%, step %d of %d %s, each baking %d s%n", status.path("weight").asInt(),
                rollout.path("step").asInt() + 1, steps.size(), steps, rollout.path("bake_seconds").asLong());
        if (status.has("judgement")) {
            out.printf("  this step is judged from %s; figures of all replicas so far:%n",
                    status.path("judged_from").asText());
            out.printf("    canary: %s%n", figures(status.path("canary")));
            out.printf("    stable: %s%n", figures(status.path("stable")));
            JsonNode judgement = status.path("judgement");
            out.printf("  the judge would now: %s%n", judgement.path("decision").asText());
            judgement.path("reasons").forEach(reason -> out.printf("    %s%n", reason.asText()));
        }
        out.println("  history:");
        for (JsonNode entry : rollout.path("history")) {
            out.printf("    %s %-8s step %d, canary %d%%, by %s%n", entry.path("at").asText(),
                    entry.path("action").asText(), entry.path("step").asInt() + 1, entry.path("weight").asInt(),
                    entry.path("by").asText());
            entry.path("reasons").forEach(reason -> out.printf("      %s%n", reason.asText()));
        }
        out.printf("  kept in %s%n", status.path("stored_in").asText());
    }

    private static String figures(JsonNode figures) {
        long requests = figures.path("requests").asLong();
        return "%d requests, %d faults, %d failed output checks, %d fallbacks".formatted(requests,
                figures.path("faults").asLong(), figures.path("output_check_failures").asLong(),
                figures.path("fallbacks").asLong());
    }
}
