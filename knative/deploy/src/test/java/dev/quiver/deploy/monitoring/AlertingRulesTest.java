package dev.quiver.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The alerting and recording rules of {@code knative/monitoring/rules}: valid for Prometheus and passing their unit
 * tests ({@code promtool check rules}, {@code promtool test rules}; skipped, saying so, where promtool is not
 * installed), every alert shown firing by a unit test, and the PrometheusRule carrying exactly the rule files' groups.
 */
class AlertingRulesTest {

    private static Optional<Promtool> promtool;

    @BeforeAll
    static void find() {
        promtool = Promtool.find();
        if (promtool.isEmpty()) {
            System.err.println("AlertingRulesTest: " + Promtool.MISSING);
        }
    }

    static Stream<Path> ruleFiles() {
        return MonitoringFiles.ruleFiles().stream();
    }

    static Stream<Path> testFiles() {
        return MonitoringFiles.testFiles().stream();
    }

    @ParameterizedTest
    @MethodSource("ruleFiles")
    void everyRuleFileIsValid(Path file) {
        assumeTrue(promtool.isPresent(), Promtool.MISSING);

        Promtool.Result result = promtool.get().run(MonitoringFiles.RULES, "check", "rules",
                file.getFileName().toString());

        assertThat(result.exitCode()).as("promtool check rules %s:%n%s", file, result.output()).isZero();
    }

    @ParameterizedTest
    @MethodSource("testFiles")
    void everyUnitTestPasses(Path file) {
        assumeTrue(promtool.isPresent(), Promtool.MISSING);

        Promtool.Result result = promtool.get().run(MonitoringFiles.TESTS, "test", "rules",
                file.getFileName().toString());

        assertThat(result.exitCode()).as("promtool test rules %s:%n%s", file, result.output()).isZero();
    }

    @Test
    void everyAlertIsShownFiringByAUnitTestOfItsRuleFile() {
        List<String> untested = new ArrayList<>();
        for (Path rules : MonitoringFiles.ruleFiles()) {
            Set<String> firing = firingAlertsTestedWith(rules);
            for (JsonNode group : MonitoringFiles.yaml(rules).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String alert = rule.path("alert").asText("");
                    if (!alert.isEmpty() && !firing.contains(alert)) {
                        untested.add(rules.getFileName() + ": " + alert);
                    }
                }
            }
        }

        assertThat(untested).as("alerts no alert_rule_test expects to fire").isEmpty();
    }

    @Test
    void everyRuleFileHasUnitTestsAndEveryRuleIsNamedOnce() {
        Set<String> tested = new TreeSet<>();
        for (Path test : MonitoringFiles.testFiles()) {
            MonitoringFiles.yaml(test).path("rule_files").forEach(file -> tested.add(
                    MonitoringFiles.TESTS.resolve(file.asText()).normalize().toString()));
        }
        List<String> names = new ArrayList<>();
        for (Path rules : MonitoringFiles.ruleFiles()) {
            assertThat(tested).as("a unit test file whose rule_files names %s", rules).contains(rules.toString());
            for (JsonNode group : MonitoringFiles.yaml(rules).path("groups")) {
                names.add("group " + group.path("name").asText());
                group.path("rules").forEach(rule -> {
                    if (rule.has("alert")) {
                        names.add("alert " + rule.path("alert").asText());
                    }
                });
            }
        }

        assertThat(names).as("group and alert names across the rule files").doesNotHaveDuplicates();
    }

    @Test
    void thePrometheusRuleHoldsTheGroupsOfTheRuleFilesInFileNameOrder() {
        List<JsonNode> groups = new ArrayList<>();
        for (Path rules : MonitoringFiles.ruleFiles()) {
            MonitoringFiles.yaml(rules).path("groups").forEach(groups::add);
        }
        JsonNode resource = MonitoringFiles.yaml(MonitoringFiles.ROOT.resolve("prometheus-rule.yaml"));

        assertThat(resource.path("kind").asText()).isEqualTo("PrometheusRule");
        List<JsonNode> carried = new ArrayList<>();
        resource.path("spec").path("groups").forEach(carried::add);
        assertThat(carried).as("spec.groups of knative/monitoring/prometheus-rule.yaml against rules/*.yaml")
                .isEqualTo(groups);
    }

    /** The alerts the unit tests of this rule file expect to fire at least once. */
    private static Set<String> firingAlertsTestedWith(Path rules) {
        Set<String> firing = new TreeSet<>();
        for (Path test : MonitoringFiles.testFiles()) {
            JsonNode document = MonitoringFiles.yaml(test);
            boolean covers = false;
            for (JsonNode file : document.path("rule_files")) {
                covers |= MonitoringFiles.TESTS.resolve(file.asText()).normalize().equals(rules);
            }
            if (!covers) {
                continue;
            }
            for (JsonNode group : document.path("tests")) {
                for (JsonNode alertTest : group.path("alert_rule_test")) {
                    if (!alertTest.path("exp_alerts").isEmpty()) {
                        firing.add(alertTest.path("alertname").asText());
                    }
                }
            }
        }
        return firing;
    }
}
