package dev.quiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class DeployCommandTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void createsEveryResourceOfTheOverlayInItsNamespace() {
        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay", "production");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Service/quiver-inference in quiver: created",
                "Broker/quiver in quiver: created", "Trigger/inference-requested in quiver: created",
                "3 created, 0 configured, 0 unchanged");
        KnativeClient knative = client.adapt(KnativeClient.class);
        Service service = knative.services().inNamespace("quiver").withName("quiver-inference").get();
        assertThat(service.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                .isEqualTo("registry.example.com/quiver/quiver-inference:0.2.0");
        assertThat(service.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("autoscaling.knative.dev/min-scale", "2")
                .doesNotContainKey("autoscaling.knative.dev/target");
        assertThat(knative.brokers().inNamespace("quiver").withName("quiver").get()).isNotNull();
        assertThat(knative.triggers().inNamespace("quiver").withName("inference-requested").get().getSpec()
                .getSubscriber().getRef().getName()).isEqualTo("quiver-inference");
    }

    @Test
    void reApplyingTheSameOverlayChangesNothingAndSaysSo() {
        ToolRun.run(server::createClient, "deploy", "--overlay", "production");
        String version = resourceVersion("quiver", "quiver-inference");

        ToolRun again = ToolRun.run(server::createClient, "deploy", "--overlay", "production");

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("Service/quiver-inference in quiver: unchanged",
                "no changes: all 3 resources are as the overlay says");
        assertThat(resourceVersion("quiver", "quiver-inference")).isEqualTo(version);
    }

    @Test
    void updatesWhatChangedAndOnlyThat() throws IOException {
        Path overlay = copy(Fixtures.overlay("production"), dir.resolve("overlays/production"));
        copy(Fixtures.manifests().resolve("base"), dir.resolve("base"));
        ToolRun.run(server::createClient, "deploy", "--overlay", overlay.toString());
        Path kustomization = overlay.resolve("kustomization.yaml");
        Files.writeString(kustomization, Files.readString(kustomization).replace("\"0.2.0\"", "\"0.3.0\""));

        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay", overlay.toString());

        assertThat(run.out()).contains("Service/quiver-inference in quiver: configured",
                "Broker/quiver in quiver: unchanged", "0 created, 1 configured, 2 unchanged");
        assertThat(client.adapt(KnativeClient.class).services().inNamespace("quiver").withName("quiver-inference")
                .get().getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                .endsWith(":0.3.0");
    }

    @Test
    void placesResourcesWithoutNamespaceInTheGivenOne() {
        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay",
                Fixtures.manifests().resolve("base").toString(), "--namespace", "staging");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(resourceVersion("staging", "quiver-inference")).isNotNull();
    }

    @Test
    void refusesANamespaceThatContradictsTheOverlay() {
        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay", "production", "--namespace", "other");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("puts Service/quiver-inference in namespace quiver, which --namespace other");
    }

    @Test
    void dryRunPrintsTheRenderedResourcesWithoutTouchingTheCluster() {
        ToolRun run = ToolRun.run(() -> {
            throw new AssertionError("a dry run needs no cluster");
        }, "deploy", "--overlay", "production", "--dry-run");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("kind: \"Trigger\"", "registry.example.com/quiver/quiver-inference:0.2.0");
    }

    @Test
    void namesAnUnknownOverlayAndTheKnownOnes() {
        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay", "staging");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).contains("no overlay staging", "(production)");
    }

    @Test
    void reportsABadOverlayWithTheFile() throws IOException {
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: []\ncommonLabels: {a: b}\n");

        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay", dir.toString());

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).contains(dir.resolve("kustomization.yaml").toString(),
                "line 2, commonLabels: unsupported field");
    }

    @Test
    void wrongUsageExitsWithTwo() {
        assertThat(ToolRun.run(server::createClient, "deploy").exitCode()).isEqualTo(2);
        assertThat(ToolRun.run(server::createClient, "deploy", "--overlay", "production", "--force", "yes").err())
                .contains("Unknown options: '--force'");
        assertThat(ToolRun.run(server::createClient, "launch").exitCode()).isEqualTo(2);
        assertThat(ToolRun.run(server::createClient).err()).contains("Usage: quiver-deploy");
    }

    @Test
    void keepsTheTrafficOfARolloutAndNamesAChangedTemplateAnew() throws IOException {
        Path base = copy(Fixtures.manifests().resolve("base"), dir.resolve("base"));
        ToolRun.run(server::createClient, "deploy", "--overlay", base.toString());
        KnativeController controller = new KnativeController(client.adapt(KnativeClient.class), "test");
        controller.report("quiver-inference", "quiver-inference-00001");
        ToolRun.run(server::createClient, "rollout", "quiver-inference", "--canary", "10%");

        ToolRun same = ToolRun.run(server::createClient, "deploy", "--overlay", base.toString());
        Path manifest = base.resolve("inference.yaml");
        Files.writeString(manifest,
                Files.readString(manifest).replace("quiver-inference:latest", "quiver-inference:2"));
        ToolRun changed = ToolRun.run(server::createClient, url -> "", "fghij", "deploy", "--overlay", base.toString());

        assertThat(same.out()).contains("Service/quiver-inference in test: unchanged");
        assertThat(changed.out()).contains("Service/quiver-inference in test: configured (new revision "
                + "quiver-inference-fghij takes no traffic yet");
        Service service = client.adapt(KnativeClient.class).services().inNamespace("test").withName("quiver-inference")
                .get();
        assertThat(service.getSpec().getTemplate().getMetadata().getName()).isEqualTo("quiver-inference-fghij");
        assertThat(service.getSpec().getTraffic()).extracting(t -> t.getRevisionName() + " " + t.getPercent())
                .containsExactly("quiver-inference-00001 90", "quiver-inference-abcde 10");
    }

    private String resourceVersion(String namespace, String name) {
        Service service = client.adapt(KnativeClient.class).services().inNamespace(namespace).withName(name).get();
        return service == null ? null : service.getMetadata().getResourceVersion();
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }
}
