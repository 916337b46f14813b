package dev.quiver.deploy.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlayRendererTest {

    private final OverlayRenderer renderer = new OverlayRenderer();

    @TempDir
    Path dir;

    @Test
    void rendersTheBaseResourcesInOrderWithoutANamespace() {
        List<ObjectNode> resources = renderer.render(Fixtures.manifests().resolve("base"));

        assertThat(resources).extracting(r -> r.get("kind").asText() + "/" + r.at("/metadata/name").asText())
                .containsExactly("Service/quiver-inference", "Broker/quiver", "Trigger/inference-requested");
        assertThat(resources).allSatisfy(r -> assertThat(r.at("/metadata/namespace").isMissingNode()).isTrue());
    }

    @Test
    void setsTheOverlaysNamespaceOnEveryResource() {
        List<ObjectNode> resources = renderer.render(Fixtures.overlay("production"));

        assertThat(resources).extracting(r -> r.at("/metadata/namespace").asText()).containsOnly("quiver");
    }

    @Test
    void putsTheServiceAccountsARoleBindingBindsInTheOverlaysNamespace() throws IOException {
        write("kustomization.yaml", "resources: [binding.yaml]\nnamespace: quiver\n");
        write("binding.yaml", """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: jobs}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: jobs}
                subjects:
                  - {kind: ServiceAccount, name: runner}
                  - {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
                """);

        JsonNode binding = renderer.render(dir).getFirst();

        assertThat(binding.at("/metadata/namespace").asText()).isEqualTo("quiver");
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("quiver");
        assertThat(binding.at("/subjects/1/namespace").isMissingNode()).as("a user has no namespace").isTrue();
    }

    @Test
    void replacesTheNameAndTagOfMatchingImages() {
        JsonNode service = renderer.render(Fixtures.overlay("production")).getFirst();

        assertThat(service.at("/spec/template/spec/containers/0/image").asText())
                .isEqualTo("registry.example.com/quiver/quiver-inference:0.2.0");
    }

    @Test
    void appliesTheMergePatchToItsTargetOnly() {
        List<ObjectNode> resources = renderer.render(Fixtures.overlay("production"));
        JsonNode annotations = resources.getFirst().at("/spec/template/metadata/annotations");

        assertThat(annotations.get("autoscaling.knative.dev/min-scale").asText()).isEqualTo("2");
        assertThat(annotations.get("autoscaling.knative.dev/max-scale").asText()).isEqualTo("20");
        assertThat(annotations.has("autoscaling.knative.dev/target")).as("removed by a null").isFalse();
        assertThat(annotations.get("autoscaling.knative.dev/metric").asText()).isEqualTo("concurrency");
        assertThat(resources.getFirst().at("/spec/template/spec/containerConcurrency").asInt()).isEqualTo(64);
    }

    @Test
    void leavesImagesOfOtherNamesAlone() throws IOException {
        write("kustomization.yaml", """
            resources: [app.yaml]
            images:
              - name: other
                newTag: "9"
            """);
        write("app.yaml", service("registry:5000/quiver-inference:1"));

        assertThat(renderer.render(dir).getFirst().at("/spec/template/spec/containers/0/image").asText())
                .isEqualTo("registry:5000/quiver-inference:1");
    }

    @Test
    void matchesImagesWithARegistryPortAndReplacesTheirDigestByTheNewTag() throws IOException {
        write("kustomization.yaml", """
            resources: [app.yaml]
            images:
              - name: registry:5000/quiver-inference
                newTag: "2"
            """);
        write("app.yaml", service("registry:5000/quiver-inference:1@sha256:abc"));

        assertThat(renderer.render(dir).getFirst().at("/spec/template/spec/containers/0/image").asText())
                .isEqualTo("registry:5000/quiver-inference:2");
    }

    @Test
    void refusesAnUnsupportedKustomizeFieldNamingTheFileAndTheField() throws IOException {
        write("kustomization.yaml", """
            resources: [app.yaml]
            configMapGenerator:
              - name: settings
            """);

        assertThatThrownBy(() -> renderer.render(dir)).isInstanceOf(OverlayException.class)
                .hasMessageContaining(dir.resolve("kustomization.yaml").toString())
                .hasMessageContaining("line 2, configMapGenerator: unsupported field");
    }

    @Test
    void refusesUnsupportedImageAndPatchFields() throws IOException {
        write("kustomization.yaml", """
            images:
              - name: quiver-inference
                digest: sha256:abc
            """);
        assertThatThrownBy(() -> renderer.render(dir))
                .hasMessageContaining("line 3, images[0].digest: unsupported field");

        write("kustomization.yaml", """
            patches:
              - path: p.yaml
                target: {kind: Service, name: a, labelSelector: "app=a"}
            """);
        assertThatThrownBy(() -> renderer.render(dir))
                .hasMessageContaining("line 3, patches[0].target.labelSelector: unsupported field");

        write("kustomization.yaml", """
            patches:
              - patch: |-
                  spec: {}
                target: {kind: Service, name: a}
            """);
        assertThatThrownBy(() -> renderer.render(dir))
                .hasMessageContaining("line 2, patches[0].patch: unsupported field");

        write("kustomization.yaml", """
            patches:
              - path: p.yaml
            """);
        assertThatThrownBy(() -> renderer.render(dir)).hasMessageContaining("patches[0]: a patch needs a target");
    }

    @Test
    void reportsEveryMistakeOfAKustomizationAtOnce() throws IOException {
        write("kustomization.yaml", """
            resources: [app.yaml, 7]
            configMapGenerator: []
            images:
              - newTag: "2"
            """);

        assertThatThrownBy(() -> renderer.render(dir)).isInstanceOf(OverlayException.class)
                .hasMessageStartingWith(dir.resolve("kustomization.yaml") + " is invalid (3 problems):")
                .hasMessageContaining("line 1, resources[1]: expected a non-empty string, got 7")
                .hasMessageContaining("line 2, configMapGenerator: unsupported field")
                .hasMessageContaining("line 4, images[0].name: required");
    }

    @Test
    void namesAMissingResourceFile() throws IOException {
        write("kustomization.yaml", "resources: [app.yaml, missing.yaml]\n");
        write("app.yaml", service("a:1"));

        assertThatThrownBy(() -> renderer.render(dir))
                .hasMessageContaining(dir.resolve("kustomization.yaml") + ": resources[1]: no file or directory")
                .hasMessageContaining("missing.yaml");
    }

    @Test
    void namesAMissingPatchFileAndAPatchWithoutTarget() throws IOException {
        write("app.yaml", service("a:1"));
        write("kustomization.yaml", """
            resources: [app.yaml]
            patches:
              - path: absent.yaml
                target: {kind: Service, name: app}
            """);
        assertThatThrownBy(() -> renderer.render(dir)).hasMessageContaining("patch file")
                .hasMessageContaining("absent.yaml").hasMessageContaining("does not exist");

        write("p.yaml", "spec: {}\n");
        write("kustomization.yaml", """
            resources: [app.yaml]
            patches:
              - path: p.yaml
                target: {kind: Service, name: nope}
            """);
        assertThatThrownBy(() -> renderer.render(dir))
                .hasMessageContaining("targets Service/nope, which is not among the overlay's resources");
    }

    @Test
    void namesADirectoryWithoutKustomization() throws IOException {
        Files.createDirectories(dir.resolve("empty"));
        write("kustomization.yaml", "resources: [empty]\n");

        assertThatThrownBy(() -> renderer.render(dir)).hasMessageContaining("empty: no kustomization.yaml");
    }

    @Test
    void refusesADocumentThatIsNoResource() throws IOException {
        write("kustomization.yaml", "resources: [app.yaml]\n");
        write("app.yaml", service("a:1") + "---\nkind: Service\n");

        assertThatThrownBy(() -> renderer.render(dir)).hasMessageContaining("app.yaml: document 2 is not a Kubernetes");
    }

    @Test
    void refusesTheSameResourceTwice() throws IOException {
        write("kustomization.yaml", "resources: [app.yaml, app.yaml]\n");
        write("app.yaml", service("a:1"));

        assertThatThrownBy(() -> renderer.render(dir)).hasMessageContaining("Service/app in namespace (default)")
                .hasMessageContaining("listed twice");
    }

    @Test
    void printsMultiDocumentYaml() {
        String yaml = renderer.toYaml(renderer.render(Fixtures.overlay("production")));

        assertThat(yaml.split("(?m)^---")).hasSize(4);
        assertThat(yaml).contains("namespace: \"quiver\"")
                .contains("registry.example.com/quiver/quiver-inference:0.2.0");
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    private static String service(String image) {
        return """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: app
            spec:
              template:
                spec:
                  containers:
                    - image: %s
            """.formatted(image);
    }
}
