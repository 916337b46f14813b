package dev.quiver.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Grafana dashboards of {@code knative/monitoring/dashboards}: the shape Grafana's provisioning loads (a uid and
 * title, the Prometheus data source as a variable, panels with unique ids, each with that data source and queries
 * with an expression), and all of them in the ConfigMap the kustomization generates. Whether every query returns data
 * from the running functions is checked by the load-tests module's {@code DashboardQueriesTest}.
 */
class DashboardsTest {

    static Stream<Path> dashboards() {
        return MonitoringFiles.dashboards().stream();
    }

    @Test
    void thereIsADashboardForEachPartWithItsOwnUid() {
        List<String> uids = MonitoringFiles.dashboards().stream()
                .map(file -> MonitoringFiles.json(file).path("uid").asText()).toList();

        assertThat(uids).containsExactlyInAnyOrder("quiver-admission", "quiver-inference", "quiver-orchestration",
                "quiver-pool");
    }

    @ParameterizedTest
    @MethodSource("dashboards")
    void everyPanelHasTheDataSourceAUniqueIdAndQueries(Path file) {
        JsonNode dashboard = MonitoringFiles.json(file);
        List<String> problems = new ArrayList<>();
        if (dashboard.path("title").asText().isBlank()) {
            problems.add("no title");
        }
        boolean datasourceVariable = false;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            datasourceVariable |= variable.path("name").asText().equals("datasource")
                    && variable.path("type").asText().equals("datasource")
                    && variable.path("query").asText().equals("prometheus");
        }
        if (!datasourceVariable) {
            problems.add("no templating variable `datasource` of type datasource and query prometheus");
        }
        Set<Integer> ids = new HashSet<>();
        JsonNode panels = dashboard.path("panels");
        if (panels.isEmpty()) {
            problems.add("no panels");
        }
        for (JsonNode panel : panels) {
            String where = "panel " + panel.path("id") + " \"" + panel.path("title").asText() + "\"";
            if (!panel.path("id").isInt() || !ids.add(panel.path("id").asInt())) {
                problems.add(where + ": id missing or not unique");
            }
            if (panel.path("title").asText().isBlank() || panel.path("type").asText().isBlank()) {
                problems.add(where + ": title or type missing");
            }
            if (!prometheus(panel.path("datasource"))) {
                problems.add(where + ": datasource is not {type: prometheus, uid: ${datasource}}");
            }
            for (String field : List.of("x", "y", "w", "h")) {
                if (!panel.path("gridPos").path(field).isInt()) {
                    problems.add(where + ": gridPos." + field + " missing");
                }
            }
            JsonNode targets = panel.path("targets");
            if (targets.isEmpty()) {
                problems.add(where + ": no targets");
            }
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : targets) {
                if (target.path("expr").asText().isBlank()) {
                    problems.add(where + ": a target without expr");
                }
                if (!refIds.add(target.path("refId").asText())) {
                    problems.add(where + ": refId " + target.path("refId") + " twice");
                }
                if (!prometheus(target.path("datasource"))) {
                    problems.add(where + " target " + target.path("refId") + ": datasource is not the variable");
                }
            }
        }

        assertThat(problems).as(file.toString()).isEmpty();
    }

    @Test
    void theKustomizationGeneratesAConfigMapOfEveryDashboard() {
        JsonNode kustomization = MonitoringFiles.yaml(MonitoringFiles.ROOT.resolve("kustomization.yaml"));
        List<String> files = new ArrayList<>();
        kustomization.path("configMapGenerator").forEach(generator -> generator.path("files")
                .forEach(name -> files.add(MonitoringFiles.ROOT.resolve(name.asText()).normalize().toString())));
        List<String> resources = new ArrayList<>();
        kustomization.path("resources").forEach(name -> resources.add(name.asText()));

        assertThat(files).containsExactlyInAnyOrderElementsOf(MonitoringFiles.dashboards().stream()
                .map(Path::toString).toList());
        assertThat(resources).containsExactlyInAnyOrder("prometheus-rule.yaml", "pod-monitor.yaml");
    }

    private static boolean prometheus(JsonNode datasource) {
        return datasource.path("type").asText().equals("prometheus")
                && datasource.path("uid").asText().equals("${datasource}");
    }
}
