package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.deploy.DeployException;
import dev.quiver.deploy.kueue.KueueManifests;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Kueue resources in {@code knative/kueue}: rendered from the pool file beside them (so they cannot drift apart),
 * and each valid, strictly, against the Kueue CRDs of the shared folder; without that folder the schema tests are
 * skipped, saying so.
 */
class KueueManifestsTest {

    static final Path FOLDER = Path.of("..", "kueue").toAbsolutePath().normalize();
    static final Path CRDS = Path.of("..", "..", "..", "shared", "kueue-crds").toAbsolutePath().normalize();

    private static Optional<CrdSchemas> schemas;

    @BeforeAll
    static void load() {
        schemas = CrdSchemas.load(CRDS);
    }

    static Stream<Manifest> committed() {
        Path file = FOLDER.resolve("kueue.yaml");
        return ManifestFiles.read(file).stream().map(document -> new Manifest(file, document));
    }

    @Test
    void theCommittedResourcesAreWhatThePoolFileRendersTo() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = new dev.quiver.deploy.QuiverDeploy(() -> {
            throw new AssertionError("rendering needs no cluster");
        }, null, null, null, new PrintStream(out, true, StandardCharsets.UTF_8), System.err)
                .execute("kueue", "--pool", FOLDER.resolve("pool.yaml").toString(), "--namespace", "quiver");

        assertThat(code).isZero();
        List<JsonNode> rendered = ManifestFiles.YAML.readValues(ManifestFiles.YAML.createParser(
                out.toString(StandardCharsets.UTF_8)), JsonNode.class).readAll();
        assertThat(rendered).as("knative/kueue/kueue.yaml is quiver-deploy kueue --pool knative/kueue/pool.yaml "
                + "--namespace quiver").isEqualTo(committed().map(Manifest::document).toList());
        assertThat(rendered).extracting(document -> document.path("kind").asText()).containsExactly(
                "ResourceFlavor", "Cohort", "ClusterQueue", "ClusterQueue", "ClusterQueue", "LocalQueue",
                "LocalQueue", "LocalQueue", "WorkloadPriorityClass", "WorkloadPriorityClass",
                "WorkloadPriorityClass", "WorkloadPriorityClass");
    }

    @Test
    void quotasLimitsAndPreemptionAreThePoolFiles() {
        JsonNode serving = committed().filter(m -> m.kind().equals("ClusterQueue") && m.name().equals("serving"))
                .findFirst().orElseThrow().document();

        assertThat(serving.at("/spec/cohortName").asText()).isEqualTo("quiver");
        assertThat(serving.at("/spec/resourceGroups/0/flavors/0/resources/0").toString())
                .isEqualTo("{\"name\":\"cpu\",\"nominalQuota\":\"8\",\"borrowingLimit\":\"8\"}");
        assertThat(serving.at("/spec/resourceGroups/0/flavors/0/resources/1/nominalQuota").asText())
                .isEqualTo("16Gi");
        assertThat(serving.at("/spec/preemption/withinClusterQueue").asText()).isEqualTo("Never");
        assertThat(serving.at("/spec/fairSharing/weight").asText()).isEqualTo("2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("committed")
    void validatesStrictlyAgainstItsCrd(Manifest manifest) {
        CrdSchemas crds = require();
        assertThat(crds.covers(manifest)).as("%s: a CRD in %s", manifest, CRDS).isTrue();
        assertThat(crds.problems(manifest)).as("%s against its CRD", manifest).isEmpty();
    }

    @Test
    void aFieldTheCrdDoesNotHaveIsAProblem() throws Exception {
        CrdSchemas crds = require();
        Manifest wrong = new Manifest(FOLDER.resolve("wrong.yaml"), ManifestFiles.YAML.readTree("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: ClusterQueue
                metadata: {name: wrong}
                spec:
                  cohort: quiver
                  preemption: {withinClusterQueue: Sometimes}
                """));
        Manifest priority = new Manifest(FOLDER.resolve("wrong.yaml"), ManifestFiles.YAML.readTree("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: WorkloadPriorityClass
                metadata: {name: wrong}
                value: high
                """));

        assertThat(crds.problems(wrong)).anySatisfy(problem -> assertThat(problem).contains("cohort"))
                .anySatisfy(problem -> assertThat(problem).contains("withinClusterQueue"));
        assertThat(crds.problems(priority)).anySatisfy(problem -> assertThat(problem).contains("value"));
    }

    @Test
    void anUnlimitedQuotaHasNoKueueForm() {
        assertThatThrownBy(() -> KueueManifests.render(PoolSpec.DEFAULT, "default"))
                .isInstanceOf(DeployException.class)
                .hasMessage("queues.default.quota.cpu.nominal: unlimited has no Kueue quota; give the pool file an "
                        + "amount");
        PoolSpec pool = PoolFileReader.yaml("pool.yaml", "queues: {default: {quota: {cpu: 1}}}");
        assertThat(KueueManifests.render(pool, "default")).hasSize(1 + 1 + 1 + 4);
    }

    private static CrdSchemas require() {
        assumeTrue(schemas.isPresent(), "skipped: no Kueue CRDs at " + CRDS + " (../shared/kueue-crds from the "
                + "repository root), so no Kueue manifest was validated against them");
        return schemas.get();
    }
}
