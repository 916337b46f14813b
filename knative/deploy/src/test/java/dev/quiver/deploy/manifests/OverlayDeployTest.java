package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.deploy.ToolRun;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each overlay deployed by the tool's own deploy command to an API server that stores what it is sent: the Knative
 * resources it renders are there afterwards, and a second deploy finds nothing to change, so re-running
 * {@code ./quiver deploy} on an unchanged overlay never rolls out a new revision.
 */
@EnableKubernetesMockClient(crud = true)
class OverlayDeployTest {

    private static final Set<String> KNATIVE_KINDS = Set.of("Service", "Broker", "Trigger", "PingSource");

    KubernetesMockServer server;
    KubernetesClient client;

    static Stream<Path> overlays() {
        return ManifestFiles.OVERLAYS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void deploysItsKnativeResourcesAndASecondDeployChangesNothing(Path folder) {
        List<Manifest> rendered = ManifestFiles.rendered(folder);

        ToolRun first = ToolRun.run(server::createClient, "deploy", "--overlay", folder.toString());
        ToolRun second = ToolRun.run(server::createClient, "deploy", "--overlay", folder.toString());

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains(rendered.size() + " created, 0 configured, 0 unchanged");
        List<Manifest> knative = rendered.stream().filter(manifest -> KNATIVE_KINDS.contains(manifest.kind())).toList();
        assertThat(knative).extracting(Manifest::kind).containsAll(KNATIVE_KINDS);
        for (Manifest manifest : knative) {
            assertThat(live(manifest)).as("%s in the cluster", manifest).isNotNull();
        }
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("no changes: all " + rendered.size() + " resources are as the overlay says");
    }

    private HasMetadata live(Manifest manifest) {
        KnativeClient knative = client.adapt(KnativeClient.class);
        String namespace = manifest.document().at("/metadata/namespace").asText(client.getNamespace());
        return switch (manifest.kind()) {
            case "Service" -> knative.services().inNamespace(namespace).withName(manifest.name()).get();
            case "Broker" -> knative.brokers().inNamespace(namespace).withName(manifest.name()).get();
            case "Trigger" -> knative.triggers().inNamespace(namespace).withName(manifest.name()).get();
            case "PingSource" -> knative.pingSources().inNamespace(namespace).withName(manifest.name()).get();
            default -> throw new IllegalArgumentException(manifest + ": not one of " + KNATIVE_KINDS);
        };
    }
}
