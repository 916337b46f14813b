package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.events.EventTypes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * In every overlay, each executor a pipeline may use there has something that runs its steps. The orchestration
 * function's own rule (functions/orchestration/README.md, "Executors and built-in steps"): with a sink (here, the
 * SinkBinding) it sends {@code process} steps to the broker and accepts them only when
 * {@code QUIVER_ORCHESTRATION_BROKER_EXECUTORS} names an executor that takes them there, which then needs a Trigger on
 * {@code dev.quiver.step.dispatched} and its {@code executor} extension; {@code kubernetes-job} steps run as Jobs it
 * creates itself when {@code QUIVER_ORCHESTRATION_KUBERNETES_ENABLED} is true, which needs its service account bound,
 * in its namespace, to a Role that allows Jobs, their Pods and their logs, evicting a Pod (a slow worker), and nothing
 * more.
 */
class ExecutorConsumersTest {

    private static final String ORCHESTRATION = "quiver-orchestration";
    /** What the Job executor does, by API group and resource; anything beyond is more than it needs. */
    private static final Map<String, Set<String>> JOB_EXECUTOR_NEEDS = Map.of(
            "batch/jobs", Set.of("create", "get", "list", "watch", "update", "patch", "delete"),
            "/pods", Set.of("get", "list", "watch"),
            "/pods/log", Set.of("get"),
            "/pods/eviction", Set.of("create"));

    static Stream<Path> overlays() {
        return ManifestFiles.OVERLAYS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyExecutorAPipelineMayUseHasItsConsumer(Path overlay) {
        List<Manifest> rendered = ManifestFiles.rendered(overlay);
        Manifest service = find(rendered, "Service", ORCHESTRATION);
        Map<String, String> env = env(service);

        Set<String> usable = usableExecutors(rendered, env);
        assertThat(usable).as("%s: the function accepts pipelines of Jobs there", overlay.getFileName())
                .contains("kubernetes-job");
        for (String executor : usable) {
            switch (executor) {
                case "kubernetes-job" -> assertJobExecutorMayWork(rendered, service);
                case "process" -> assertThat(brokerExecutors(env)).as("%s: process steps", overlay.getFileName())
                        .contains("process");
                default -> {
                }
            }
        }
        for (String executor : brokerExecutors(env)) {
            assertThat(rendered).as("%s: a Trigger for %s steps", overlay.getFileName(), executor).anySatisfy(
                    trigger -> {
                        assertThat(trigger.kind()).isEqualTo("Trigger");
                        JsonNode filter = trigger.document().at("/spec/filter/attributes");
                        assertThat(filter.path("type").asText()).isEqualTo(EventTypes.STEP_DISPATCHED);
                        assertThat(filter.path("executor").asText()).isEqualTo(executor);
                    });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void processStepsAreRefusedWhereNothingOnTheBrokerTakesThem(Path overlay) {
        List<Manifest> rendered = ManifestFiles.rendered(overlay);
        Map<String, String> env = env(find(rendered, "Service", ORCHESTRATION));

        assertThat(sinkBound(rendered)).as("%s: the SinkBinding gives the function the broker", overlay.getFileName())
                .isTrue();
        assertThat(brokerExecutors(env)).doesNotContain("process");
        assertThat(usableExecutors(rendered, env)).doesNotContain("process");
    }

    @Test
    void theJobExecutorsRoleIsNamespacedAndGrantsNothingElse() {
        Manifest role = find(ManifestFiles.rendered(ManifestFiles.ROOT.resolve("overlays/production")), "Role",
                "quiver-orchestration-jobs");

        assertThat(role.document().at("/metadata/namespace").asText()).isEqualTo("quiver");
        assertThat(grants(role)).isEqualTo(JOB_EXECUTOR_NEEDS);
    }

    /** The executors the function accepts pipelines of, by its rule (see the class comment). */
    private static Set<String> usableExecutors(List<Manifest> rendered, Map<String, String> env) {
        Set<String> usable = new TreeSet<>(Set.of("function", "select-models", "publish-model",
                "aggregate-predictions"));
        boolean deployed = sinkBound(rendered);
        Set<String> broker = brokerExecutors(env);
        if (!deployed || broker.contains("process")) {
            usable.add("process");
        }
        if (Boolean.parseBoolean(env.getOrDefault("QUIVER_ORCHESTRATION_KUBERNETES_ENABLED", "false"))
                || deployed && broker.contains("kubernetes-job")) {
            usable.add("kubernetes-job");
        }
        return usable;
    }

    private static boolean sinkBound(List<Manifest> rendered) {
        return rendered.stream().anyMatch(manifest -> manifest.kind().equals("SinkBinding")
                && manifest.document().at("/spec/subject/name").asText().equals(ORCHESTRATION));
    }

    private static Set<String> brokerExecutors(Map<String, String> env) {
        return Arrays.stream(env.getOrDefault("QUIVER_ORCHESTRATION_BROKER_EXECUTORS", "").split(","))
                .map(String::strip).filter(name -> !name.isEmpty()).collect(Collectors.toSet());
    }

    /** The Service's account exists and is bound, in the Service's namespace, to a Role with what Jobs need. */
    private static void assertJobExecutorMayWork(List<Manifest> rendered, Manifest service) {
        String namespace = service.document().at("/metadata/namespace").asText();
        String account = service.document().at("/spec/template/spec/serviceAccountName").asText();
        assertThat(account).as("%s: spec.template.spec.serviceAccountName", service).isNotEmpty();
        assertThat(find(rendered, "ServiceAccount", account).document().at("/metadata/namespace").asText())
                .isEqualTo(namespace);

        List<Manifest> roles = new ArrayList<>();
        for (Manifest binding : rendered) {
            if (binding.kind().equals("RoleBinding") && binding.document().at("/metadata/namespace").asText()
                    .equals(namespace) && binds(binding, account, namespace)) {
                JsonNode ref = binding.document().path("roleRef");
                assertThat(ref.path("kind").asText()).as("%s: roleRef.kind (a Role, not a ClusterRole)", binding)
                        .isEqualTo("Role");
                roles.add(find(rendered, "Role", ref.path("name").asText()));
            }
        }
        assertThat(roles).as("Roles bound to %s in %s", account, namespace).singleElement()
                .satisfies(role -> {
                    assertThat(role.document().at("/metadata/namespace").asText()).isEqualTo(namespace);
                    assertThat(grants(role)).isEqualTo(JOB_EXECUTOR_NEEDS);
                });
    }

    private static boolean binds(Manifest binding, String account, String namespace) {
        for (JsonNode subject : binding.document().path("subjects")) {
            if (subject.path("kind").asText().equals("ServiceAccount") && subject.path("name").asText()
                    .equals(account) && subject.path("namespace").asText().equals(namespace)) {
                return true;
            }
        }
        return false;
    }

    /** The verbs a Role grants by {@code group/resource}; a wildcard shows as {@code *} and fails the comparison. */
    private static Map<String, Set<String>> grants(Manifest role) {
        Map<String, Set<String>> grants = new HashMap<>();
        for (JsonNode rule : role.document().path("rules")) {
            assertThat(rule.has("resourceNames") || rule.has("nonResourceURLs")).as("%s: rule %s", role, rule)
                    .isFalse();
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    Set<String> verbs = grants.computeIfAbsent(group.asText() + "/" + resource.asText(),
                            ignored -> new TreeSet<>());
                    rule.path("verbs").forEach(verb -> verbs.add(verb.asText()));
                }
            }
        }
        return grants;
    }

    private static Map<String, String> env(Manifest service) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode entry : service.document().at("/spec/template/spec/containers/0/env")) {
            Optional.ofNullable(entry.get("value")).ifPresent(value -> env.put(entry.path("name").asText(),
                    value.asText()));
        }
        return env;
    }

    private static Manifest find(List<Manifest> manifests, String kind, String name) {
        return manifests.stream().filter(manifest -> manifest.kind().equals(kind) && manifest.name().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }
}
