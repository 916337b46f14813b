package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inference function scales to zero wherever no overlay says otherwise, wakes with one replica that Knative lets
 * through only when its models are loaded and warmed, and only the interactive overlay keeps a replica warm, changing
 * nothing else of production.
 */
class ScaleToZeroTest {

    private static final Path INTERACTIVE = ManifestFiles.ROOT.resolve("overlays/interactive");
    private static final Path PRODUCTION = ManifestFiles.ROOT.resolve("overlays/production");

    static Stream<Path> overlaysThatScaleToZero() {
        return ManifestFiles.OVERLAYS.stream().filter(overlay -> !overlay.equals(INTERACTIVE));
    }

    @Test
    void theBaseLetsTheInferenceFunctionScaleToZero() {
        JsonNode template = inference(ManifestFiles.base()).at("/spec/template");

        assertThat(annotation(template, "min-scale")).isEqualTo("0");
        assertThat(annotation(template, "initial-scale")).isEqualTo("1");
        assertThat(annotation(template, "activation-scale")).isEqualTo("1");
        assertThat(annotation(template, "scale-to-zero-pod-retention-period")).isNotBlank();
    }

    @Test
    void aWakingRequestIsLetThroughOnlyOnceTheModelsAreWarmAndAtOnceThen() {
        JsonNode probe = inference(ManifestFiles.base()).at("/spec/template/spec/containers/0/readinessProbe");

        assertThat(probe.at("/httpGet/path").asText()).isEqualTo("/q/health/ready");
        // 0 is Knative's aggressive probing until the first success; a period would hold the request up to a tick
        assertThat(probe.path("periodSeconds").asInt(-1)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlaysThatScaleToZero")
    void overlaysKeepScaleToZero(Path overlay) {
        JsonNode template = inference(ManifestFiles.rendered(overlay)).at("/spec/template");

        assertThat(annotation(template, "min-scale")).isEqualTo("0");
        assertThat(template.at("/spec/containers/0/readinessProbe/periodSeconds").asInt(-1)).isZero();
    }

    @Test
    void theInteractiveOverlayKeepsOneReplicaWarmAndIsProductionOtherwise() {
        List<Manifest> interactive = ManifestFiles.rendered(INTERACTIVE);
        List<Manifest> production = ManifestFiles.rendered(PRODUCTION);

        assertThat(annotation(inference(interactive).at("/spec/template"), "min-scale")).isEqualTo("1");
        assertThat(interactive).hasSameSizeAs(production);
        for (int i = 0; i < interactive.size(); i++) {
            List<String> changed = ChangedFields.between(production.get(i).document(), interactive.get(i).document());
            if (interactive.get(i).kind().equals("Service") && interactive.get(i).name().equals("quiver-inference")) {
                assertThat(changed).containsExactly(
                        "spec.template.metadata.annotations.autoscaling.knative.dev/min-scale");
            } else {
                assertThat(changed).as("%s", interactive.get(i)).isEmpty();
            }
        }
    }

    @Test
    void theOrchestrationFunctionScalesToZeroEverywhere() {
        for (Path overlay : ManifestFiles.OVERLAYS) {
            JsonNode template = ManifestFiles.rendered(overlay).stream()
                    .filter(manifest -> manifest.kind().equals("Service")
                            && manifest.name().equals("quiver-orchestration"))
                    .findFirst().orElseThrow().document().at("/spec/template");
            assertThat(annotation(template, "min-scale")).as("%s", overlay).isEqualTo("0");
        }
    }

    private static JsonNode inference(List<Manifest> manifests) {
        return manifests.stream()
                .filter(manifest -> manifest.kind().equals("Service") && manifest.name().equals("quiver-inference"))
                .findFirst().orElseThrow(() -> new AssertionError("no Service/quiver-inference")).document();
    }

    private static String annotation(JsonNode template, String name) {
        return template.path("metadata").path("annotations").path("autoscaling.knative.dev/" + name).asText();
    }
}
