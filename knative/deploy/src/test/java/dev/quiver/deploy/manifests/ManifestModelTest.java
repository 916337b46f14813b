package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every manifest document reads strictly into the fabric8 model of its apiVersion and kind. */
class ManifestModelTest {

    static Stream<Manifest> manifests() {
        return ManifestFiles.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifests")
    void fitsTheModelOfItsKind(Manifest manifest) {
        assertThat(StrictModel.read(manifest)).isNotNull();
    }

    @Test
    void theManifestsAreThere() {
        assertThat(ManifestFiles.all()).extracting(Manifest::kind)
                .contains("Service", "Broker", "Trigger", "PingSource", "SinkBinding", "IntegrationSource",
                        "ConfigMap");
    }

    @Test
    void anUnknownFieldFails() throws Exception {
        Manifest misspelt = new Manifest(ManifestFiles.BASE.resolve("misspelt.yaml"), ManifestFiles.YAML.readTree("""
                apiVersion: eventing.knative.dev/v1
                kind: Trigger
                metadata: {name: misspelt}
                spec:
                  broker: quiver
                  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: quiver-inference}}
                  delivery: {retries: 3}
                """));

        assertThatThrownBy(() -> StrictModel.read(misspelt)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Trigger/misspelt").hasMessageContaining("retries");
    }
}
