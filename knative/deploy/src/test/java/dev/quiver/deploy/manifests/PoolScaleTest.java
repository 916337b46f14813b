package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.deploy.QuiverDeploy;
import dev.quiver.deploy.overlay.Overlays;
import dev.quiver.deploy.scale.PoolScale;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy --pool}: the rendered overlay's Knative Services carry the scale bounds of the pool file's serving
 * functions, in replicas, from the same quotas Kueue and the orchestration function admit by.
 */
class PoolScaleTest {

    @TempDir
    Path dir;

    @Test
    void theExamplePoolGivesTheInferenceFunctionItsReservationAndItsSurgeInReplicas() {
        Rendered run = render("deploy", "--overlay", "production", "--dry-run", "--pool",
                KueueManifestsTest.FOLDER.resolve("pool.yaml").toString());

        assertThat(run.code()).isZero();
        // serving: 8 cpu nominal, 8 more it may borrow; a replica holds 2 cpu and 1Gi (16Gi and 32Gi: cpu is scarcer)
        assertThat(annotations(run, "quiver-inference")).containsEntry(PoolScale.MIN_SCALE, "4")
                .containsEntry(PoolScale.MAX_SCALE, "8")
                .as("the overlay's other annotations stay").containsEntry("autoscaling.knative.dev/target", "16");
        assertThat(annotations(run, "quiver-orchestration")).as("no serving function: the overlay's bounds")
                .containsEntry(PoolScale.MIN_SCALE, "0").containsEntry(PoolScale.MAX_SCALE, "3");
    }

    @Test
    void withoutABoundOnBorrowingTheOverlaysMaxScaleStays() throws Exception {
        Path pool = dir.resolve("pool.yaml");
        Files.writeString(pool, """
                cohorts:
                  all: {}
                queues:
                  serving: {cohort: all, quota: {cpu: 3}}
                  batch: {cohort: all, quota: {cpu: 100}}
                work: {default-queue: batch}
                serving:
                  quiver-inference: {queue: serving, replica: {cpu: 1500m}}
                """);
        Rendered run = render("deploy", "--overlay", "interactive", "--dry-run", "--pool", pool.toString());

        assertThat(run.code()).isZero();
        // the batch queue lends all of its 100 cpu: 103 cpu in all, 68 replicas of 1.5 cpu
        assertThat(annotations(run, "quiver-inference")).containsEntry(PoolScale.MIN_SCALE, "2")
                .containsEntry(PoolScale.MAX_SCALE, "68");

        Files.writeString(pool, """
                queues:
                  serving: {quota: {cpu: 4}}
                work: {default-queue: serving}
                serving:
                  quiver-infer: {queue: serving, replica: {cpu: 1}}
                """);
        Rendered refused = render("deploy", "--overlay", "production", "--dry-run", "--pool", pool.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("the pool file's serving.quiver-infer names no Knative Service of the "
                + "overlay; it has quiver-inference, quiver-orchestration");
    }

    private static Map<String, String> annotations(Rendered run, String service) {
        JsonNode found = run.resources().stream().filter(resource -> resource.path("kind").asText().equals("Service")
                && resource.at("/metadata/name").asText().equals(service)).findFirst().orElseThrow();
        return found.at("/spec/template/metadata/annotations").properties().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().asText()));
    }

    /** The tool on the project's own overlays, as {@code ./quiver deploy} runs it. */
    private static Rendered render(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new QuiverDeploy(() -> {
            throw new AssertionError("rendering needs no cluster");
        }, new Overlays(Path.of("..", "manifests", "overlays").toAbsolutePath().normalize()), null, null,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
        List<JsonNode> resources = List.of();
        if (code == 0) {
            try {
                resources = ManifestFiles.YAML.readValues(ManifestFiles.YAML.createParser(
                        out.toString(StandardCharsets.UTF_8)), JsonNode.class).readAll();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Rendered(code, resources, err.toString(StandardCharsets.UTF_8));
    }

    private record Rendered(int code, List<JsonNode> resources, String err) {
    }
}
