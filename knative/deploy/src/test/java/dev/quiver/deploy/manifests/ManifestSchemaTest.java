package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Knative resource's spec against the {@code openAPIV3Schema} of its CRD, from the shared folder of Knative
 * CRDs; without that folder every test here is skipped, saying so.
 */
class ManifestSchemaTest {

    private static Optional<CrdSchemas> schemas;

    @BeforeAll
    static void load() {
        schemas = CrdSchemas.load();
    }

    static Stream<Manifest> knativeResources() {
        return ManifestFiles.all().stream().filter(manifest -> manifest.apiVersion().contains("knative.dev"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("knativeResources")
    void validatesAgainstItsCrd(Manifest manifest) {
        CrdSchemas crds = require();
        assertThat(crds.covers(manifest)).as("%s: a CRD in %s", manifest, CrdSchemas.FOLDER).isTrue();
        assertThat(crds.problems(manifest)).as("%s against its CRD", manifest).isEmpty();
    }

    @Test
    void aFieldTheCrdDoesNotHaveIsAProblem() throws Exception {
        CrdSchemas crds = require();
        Manifest wrong = new Manifest(ManifestFiles.BASE.resolve("wrong.yaml"), ManifestFiles.YAML.readTree("""
                apiVersion: eventing.knative.dev/v1
                kind: Trigger
                metadata: {name: wrong}
                spec:
                  broker: quiver
                  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: quiver-inference},
                               path: /storage-notifications}
                  delivery: {retry: "3"}
                """));

        List<String> problems = crds.problems(wrong);

        assertThat(problems).anySatisfy(problem -> assertThat(problem).contains("delivery.retry"))
                .anySatisfy(problem -> assertThat(problem).contains("subscriber").contains("path"));
    }

    private static CrdSchemas require() {
        assumeTrue(schemas.isPresent(), "skipped: no Knative CRDs at " + CrdSchemas.FOLDER
                + " (../shared/knative-crds from the repository root), so no manifest was validated against them");
        return schemas.get();
    }
}
