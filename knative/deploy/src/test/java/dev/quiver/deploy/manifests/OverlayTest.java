package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.deploy.overlay.Kustomization;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each overlay keeps to the kustomize subset the deploy tool renders, its patches apply to the base resources they
 * name, the result still validates, and it changes only what may differ between environments: images, the Redis,
 * PostgreSQL, Kafka and S3 settings, and the broker's class and configuration. The deploy tool renders every overlay
 * here, so what is checked is what {@code ./quiver deploy} applies.
 */
class OverlayTest {

    /** What an overlay may change: {@code Kind/name path}, the path as {@link ChangedFields} gives it. */
    private static final List<Pattern> ALLOWED = Stream.of(
            "\\S+ metadata\\.namespace",
            // the namespace transformer puts the bound ServiceAccount in the overlay's namespace
            "RoleBinding/\\S+ subjects\\[[^]]+]\\.namespace",
            "Service/\\S+ spec\\.template\\.spec\\.containers\\[[^]]+]\\.image",
            // whether a replica stays warm; ScaleToZeroTest pins it per overlay
            "Service/quiver-inference spec\\.template\\.metadata\\.annotations\\."
                    + "autoscaling\\.knative\\.dev/min-scale",
            "Service/\\S+ spec\\.template\\.spec\\.containers\\[[^]]+]\\.env\\[(QUIVER_RATELIMIT_REDIS"
                    + "|QUARKUS_DATASOURCE_POSTGRESQL_[A-Z_]+|KAFKA_[A-Z_]+|MP_MESSAGING_[A-Z_]+|QUIVER_STORAGE_ROOT"
                    + "|QUIVER_STORAGE_S3_[A-Z_]+|QUARKUS_LOG_CONSOLE_JSON_ENABLED)].*",
            "Broker/quiver metadata\\.annotations\\.eventing\\.knative\\.dev/broker\\.class",
            "Broker/quiver spec\\.config(\\..*)?",
            "ConfigMap/quiver-broker-config data\\..*").map(Pattern::compile).toList();

    static Stream<Path> overlays() {
        return ManifestFiles.OVERLAYS.stream();
    }

    /**
     * Reading the kustomization refuses every field beyond the subset; an overlay adds to the base alone, or to one
     * other overlay.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void keepsToTheSubset(Path folder) {
        List<String> others = overlays().filter(overlay -> !overlay.equals(folder))
                .map(overlay -> "../" + overlay.getFileName()).toList();
        assertThat(Kustomization.read(folder).resources()).singleElement()
                .satisfies(resource -> assertThat(resource).isIn(
                        Stream.concat(Stream.of("../../base"), others.stream()).toList()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void rendersResourcesThatStillValidate(Path folder) {
        List<Manifest> rendered = ManifestFiles.rendered(folder);
        Optional<CrdSchemas> schemas = CrdSchemas.load();

        assertThat(rendered).hasSameSizeAs(ManifestFiles.base());
        for (Manifest manifest : rendered) {
            assertThat(StrictModel.read(manifest)).isNotNull();
            schemas.filter(crds -> crds.covers(manifest))
                    .ifPresent(crds -> assertThat(crds.problems(manifest)).as("%s", manifest).isEmpty());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void changesOnlyWhatMayDifferBetweenEnvironments(Path folder) {
        Map<String, Manifest> base = ManifestFiles.base().stream()
                .collect(Collectors.toMap(manifest -> manifest.kind() + "/" + manifest.name(), Function.identity()));

        for (Manifest manifest : ManifestFiles.rendered(folder)) {
            Manifest original = base.get(manifest.kind() + "/" + manifest.name());
            List<String> changed = ChangedFields.between(original.document(), manifest.document()).stream()
                    .map(path -> manifest.kind() + "/" + manifest.name() + " " + path).toList();
            assertThat(changed).as("%s: fields the overlay %s changed", manifest, folder.getFileName())
                    .allSatisfy(path -> assertThat(ALLOWED).as(path).anySatisfy(
                            allowed -> assertThat(allowed.matcher(path).matches()).isTrue()));
        }
    }

    @Test
    void productionUsesTheKafkaBrokerAndTakesItsConnectionsFromSecrets() {
        List<Manifest> rendered = ManifestFiles.rendered(ManifestFiles.ROOT.resolve("overlays/production"));

        assertThat(find(rendered, "Broker", "quiver").document()
                .at("/metadata/annotations/eventing.knative.dev~1broker.class").asText()).isEqualTo("Kafka");
        assertThat(find(rendered, "ConfigMap", "quiver-broker-config").document().at("/data/bootstrap.servers")
                .asText()).isNotBlank();
        for (String env : List.of("QUIVER_RATELIMIT_REDIS", "QUARKUS_DATASOURCE_POSTGRESQL_JDBC_URL",
                "QUARKUS_DATASOURCE_POSTGRESQL_PASSWORD")) {
            assertThat(env(find(rendered, "Service", "quiver-orchestration"), env).has("valueFrom")).as(env).isTrue();
        }
        for (String env : List.of("QUIVER_STORAGE_S3_ENDPOINT", "QUIVER_STORAGE_S3_REGION",
                "QUIVER_STORAGE_S3_ACCESS_KEY", "QUIVER_STORAGE_S3_SECRET_KEY")) {
            assertThat(env(find(rendered, "Service", "quiver-inference"), env).has("valueFrom")).as(env).isTrue();
        }
    }

    /** A cluster's log collector reads one JSON object a line; the quickstart and the local overlay keep plain text. */
    @Test
    void productionLogsAsJsonLines() {
        for (String service : List.of("quiver-inference", "quiver-orchestration")) {
            assertThat(env(find(ManifestFiles.rendered(ManifestFiles.ROOT.resolve("overlays/production")), "Service",
                    service), "QUARKUS_LOG_CONSOLE_JSON_ENABLED").path("value").asText()).as(service)
                    .isEqualTo("true");
            assertThat(find(ManifestFiles.rendered(ManifestFiles.ROOT.resolve("overlays/local")), "Service", service)
                    .document().at("/spec/template/spec/containers/0/env").findValuesAsText("name"))
                    .as(service).doesNotContain("QUARKUS_LOG_CONSOLE_JSON_ENABLED");
        }
    }

    @Test
    void localUsesTheInMemoryBroker() {
        List<Manifest> rendered = ManifestFiles.rendered(ManifestFiles.ROOT.resolve("overlays/local"));

        assertThat(find(rendered, "Broker", "quiver").document()
                .at("/metadata/annotations/eventing.knative.dev~1broker.class").asText())
                .isEqualTo("MTChannelBasedBroker");
    }

    private static Manifest find(List<Manifest> manifests, String kind, String name) {
        return manifests.stream().filter(manifest -> manifest.kind().equals(kind) && manifest.name().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }

    private static JsonNode env(Manifest service, String name) {
        for (JsonNode entry : service.document().at("/spec/template/spec/containers/0/env")) {
            if (entry.path("name").asText().equals(name)) {
                return entry;
            }
        }
        throw new AssertionError(service + ": no env " + name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void setsTheImagesOfBothFunctions(Path folder) {
        List<String> images = ManifestFiles.rendered(folder).stream()
                .filter(manifest -> manifest.kind().equals("Service"))
                .map(manifest -> manifest.document().at("/spec/template/spec/containers/0/image").asText()).toList();

        assertThat(images).hasSize(2).allSatisfy(image -> assertThat(image).contains("/"));
    }
}
