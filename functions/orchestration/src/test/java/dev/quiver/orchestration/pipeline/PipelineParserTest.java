package dev.quiver.orchestration.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.ConfigProblem;
import dev.quiver.configfile.DurationText;
import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.orchestration.retry.backoff.ExponentialBackoff;
import dev.quiver.orchestration.retry.backoff.Jitter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PipelineParserTest {

    @Test
    void readsEverySettingOfAStepAndFillsInDefaults() {
        PipelineSpec spec = PipelineFiles.modelSelection();
        assertThat(spec.name()).isEqualTo("model-selection");
        assertThat(spec.version()).isEqualTo(2);
        assertThat(spec.steps()).extracting(StepSpec::name)
                .containsExactly("ingest", "train", "select", "serve", "report");

        StepSpec ingest = spec.step("ingest").orElseThrow();
        assertThat(ingest.executor()).isEqualTo(ExecutorKind.PROCESS);
        assertThat(ingest.params()).containsEntry("command", List.of("python", "ingest.py"));
        assertThat(ingest.resources()).isEqualTo(new Resources(500, 1L << 30, 0, 1));
        assertThat(ingest.memoize()).contains(new Memoization(Optional.of(Duration.ofDays(14)), Optional.of(0.1)));
        assertThat(ingest.trigger()).isEqualTo(TriggerRule.ALL_SUCCESS);
        assertThat(ingest.line()).isEqualTo(7);

        StepSpec train = spec.step("train").orElseThrow();
        assertThat(train.depends()).containsExactly(new StepSpec.Dependency("ingest"));
        assertThat(train.forEach()).containsExactly(Map.of("model", "logistic"), Map.of("model", "forest"),
                Map.of("model", "boosted", "epochs", 40L));
        assertThat(train.params()).containsEntry("epochs", 20L);
        assertThat(train.resources()).isEqualTo(new Resources(2000, 4L << 30, 1, 2));
        assertThat(train.retry().flatMap(RetrySpec::maxAttempts)).contains(1);
        assertThat(train.deadline()).contains(Duration.ofHours(2));
        assertThat(train.priority()).contains("low");

        StepSpec select = spec.step("select").orElseThrow();
        assertThat(select.executor()).isEqualTo(ExecutorKind.SELECT_MODELS);
        assertThat(select.trigger()).isEqualTo(TriggerRule.atLeast(2));
        assertThat(select.retrigger()).isTrue();
        assertThat(select.params()).containsEntry("threshold", 0.8).containsEntry("top", 2L);

        StepSpec serve = spec.step("serve").orElseThrow();
        assertThat(serve.resources()).isEqualTo(Resources.DEFAULT);
        assertThat(serve.priority()).isEmpty();
        assertThat(spec.step("report").orElseThrow().trigger()).isEqualTo(TriggerRule.of(TriggerRule.Kind.ALL_DONE));
    }

    @Test
    void aStepAskingForMoreThanAnyPoolCanHoldIsRefusedWithItsLine() {
        String yaml = """
                pipeline: huge
                version: 1
                steps:
                  - name: train
                    executor: process
                    resources: {memory: 10000Ti, workers: 64}
                """;
        assertThatThrownBy(() -> PipelineParser.parse("huge.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("line 6, steps[0].resources: cpu, memory or gpu times workers is larger than "
                        + "any pool can hold");
    }

    @Test
    void reportsEveryMalformedSettingWithItsPathAndLine() {
        String yaml = """
                pipeline: Churn_Models
                version: 0
                owner: data-team
                steps:
                  - name: ingest
                    executor: proces
                    resources: {cpu: lots, memory: 4 gigs}
                    deadline: soon
                  - name: train
                    executor: process
                    trigger: two-of-three
                    memoize: {content-change: 1.5}
                    retrigger: sometimes
                  - executor: process
                """;
        assertThatThrownBy(() -> PipelineParser.parse("bad.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 1, pipeline: \"Churn_Models\" is not a name: expected lower-case letters, "
                                        + "digits and dashes, at most 63, starting and ending with a letter or digit",
                                "line 2, version: expected a whole number from 1, got 0",
                                "line 3, owner: unknown setting; expected one of description, on-object, pipeline, "
                                        + "priority, schedule, sla, steps, version",
                                "line 6, steps[0].executor: unknown executor \"proces\"; expected one of process, "
                                        + "kubernetes-job, function, select-models, publish-model, "
                                        + "aggregate-predictions",
                                "line 7, steps[0].resources.cpu: \"lots\" is not a CPU quantity: expected cores (2, "
                                        + "0.5) or millicores (500m)",
                                "line 7, steps[0].resources.memory: \"4 gigs\" is not a memory quantity: expected "
                                        + "bytes with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T (512Mi, 4Gi)",
                                "line 8, steps[0].deadline: expected a positive duration such as "
                                        + DurationText.FORMS + ", got \"soon\"",
                                "line 11, steps[1].trigger: unknown trigger rule \"two-of-three\"; expected one of "
                                        + "all-success, all-failed, all-done, one-success, one-failed, none-failed, "
                                        + "none-failed-min-one-success, always, or {at-least: k}",
                                "line 12, steps[1].memoize.content-change: expected a fraction above 0 and at most 1 "
                                        + "(0.1 is 10%), got 1.5",
                                "line 13, steps[1].retrigger: expected true or false, got \"sometimes\"",
                                "line 14, steps[2].name: required, lower-case letters, digits and dashes"));
    }

    @Test
    void readsARetryBlockAndNamesEachMalformedRetrySetting() {
        RetrySpec retry = PipelineFiles.retries().step("train").orElseThrow().retry().orElseThrow();
        assertThat(retry.maxAttempts()).contains(4);
        assertThat(retry.backoff()).contains(new ExponentialBackoff(Duration.ofSeconds(10), 2, Duration.ofMinutes(5),
                Jitter.FULL, Optional.of(Duration.ofHours(6)), Optional.empty()));
        assertThat(retry.memoryFactor()).contains(2.0);
        assertThat(retry.memoryCeilingBytes()).contains(1L << 30);
        assertThat(retry.upstreamReruns()).isEmpty();

        String yaml = """
                pipeline: retries
                version: 1
                steps:
                  - name: train
                    executor: process
                    retry:
                      max-attempts: 0
                      backoff: {mode: step-functions, BackoffRate: 0.5}
                      memory: {factor: 1, ceiling: lots}
                      convergence: {window: 1}
                      quality-bar: {metric: accuracy}
                      forever: true
                """;
        assertThatThrownBy(() -> PipelineParser.parse("retries.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 7, steps[0].retry.max-attempts: expected a whole number from 1, got 0",
                                "line 8, steps[0].retry.backoff: BackoffRate: expected a number from 1.0, got 0.5",
                                "line 9, steps[0].retry.memory.factor: expected a number above 1, got 1",
                                "line 9, steps[0].retry.memory.ceiling: \"lots\" is not a memory quantity: expected "
                                        + "bytes with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T (512Mi, 4Gi)",
                                "line 10, steps[0].retry.convergence.window: expected a whole number from 2, "
                                        + "got 1",
                                "line 11, steps[0].retry.quality-bar: expected both metric and threshold",
                                "line 12, steps[0].retry.forever: unknown setting; expected one of backoff, "
                                        + "convergence, max-attempts, memory, quality-bar, same-failure-limit, "
                                        + "upstream-reruns"));
    }

    @Test
    void refusesUnknownDependenciesCyclesAndRulesThatCannotHold() {
        String yaml = """
                pipeline: loops
                version: 1
                steps:
                  - name: ingest
                    executor: process
                    depends: [report]
                  - name: train
                    executor: process
                    depends: [ingest, trian]
                    for-each: [{model: a}, {model: b}]
                  - name: select
                    executor: select-models
                    depends: [train]
                    trigger: {at-least: 3}
                  - name: report
                    executor: function
                    depends: [select]
                  - name: train
                    executor: process
                    trigger: one-failed
                    retrigger: true
                """;
        assertThatThrownBy(() -> PipelineParser.parse("loops.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("pipeline loops.yaml is invalid (6 problems):\n  line 6, steps[0].depends: "
                        + "the dependencies form a cycle (each step depends on the next): ingest -> report -> select "
                        + "-> train -> ingest")
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 6, steps[0].depends: the dependencies form a cycle (each step depends on the "
                                        + "next): ingest -> report -> select -> train -> ingest",
                                "line 9, steps[1].depends[1]: unknown step \"trian\"; expected one of ingest, train, "
                                        + "select, report",
                                "line 14, steps[2].trigger.at-least: asks for 3 upstream successes but the step has 2 "
                                        + "upstream step instances",
                                "line 18, steps[4].name: step \"train\" is declared twice (first at line 7)",
                                "line 20, steps[4].trigger: trigger one-failed needs upstream steps, and this step has "
                                        + "no depends",
                                "line 21, steps[4].retrigger: retrigger reruns a step when an upstream step succeeds "
                                        + "again, and this step has no depends"));
    }

    /** Issue 24: a quorum or trigger error points at the key that is wrong, not at the first line of its step. */
    @Test
    void ruleErrorsPointAtTheLineOfTheirKey() {
        String yaml = """
                pipeline: quorum
                version: 1
                steps:
                  - name: train
                    executor: process
                    for-each: [{model: a}, {model: b}]
                  - name: select
                    executor: select-models
                    depends: [train]
                    params: {top: 1}
                    trigger:
                      at-least: 3
                  - name: report
                    executor: function
                    params: {url: "http://localhost:9/report"}
                    trigger: all-done
                    retrigger: true
                """;
        assertThatThrownBy(() -> PipelineParser.parse("quorum.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 12, steps[1].trigger.at-least: asks for 3 upstream successes but the step has 2 "
                                        + "upstream step instances",
                                "line 16, steps[2].trigger: trigger all-done needs upstream steps, and this step has "
                                        + "no depends",
                                "line 17, steps[2].retrigger: retrigger reruns a step when an upstream step succeeds "
                                        + "again, and this step has no depends"));
    }

    /**
     * Issue 24: the rules between steps are checked even when settings are malformed, and a step whose executor is
     * misspelt still counts as declared, so its dependents do not report it unknown.
     */
    @Test
    void malformedSettingsAndBrokenRulesAreReportedTogether() {
        String yaml = """
                pipeline: together
                version: 1
                steps:
                  - name: ingest
                    executor: proces
                    colour: blue
                  - name: train
                    executor: process
                    depends: [ingest, trian]
                    deadline: soon
                  - name: select
                    executor: select-models
                    depends: [train]
                    trigger: {at-least: 2}
                """;
        assertThatThrownBy(() -> PipelineParser.parse("together.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 5, steps[0].executor: unknown executor \"proces\"; expected one of process, "
                                        + "kubernetes-job, function, select-models, publish-model, "
                                        + "aggregate-predictions",
                                "line 6, steps[0].colour: unknown setting; expected one of deadline, depends, "
                                        + "executor, expected-duration, for-each, memoize, name, params, priority, "
                                        + "resources, retrigger, retry, stall-after, trigger",
                                "line 9, steps[1].depends[1]: unknown step \"trian\"; expected one of ingest, train, "
                                        + "select",
                                "line 10, steps[1].deadline: expected a positive duration such as "
                                        + DurationText.FORMS + ", got \"soon\"",
                                "line 14, steps[2].trigger.at-least: asks for 2 upstream successes but the step has 1 "
                                        + "upstream step instances"));
    }

    /** Issue 14: one duration grammar, so a deadline reads what a backoff reads. */
    @Test
    void aDeadlineReadsEveryFormOfTheOneDurationGrammar() {
        for (String deadline : List.of("1m30s", "90s", "PT1M30S", "1.5m")) {
            PipelineSpec spec = PipelineParser.parse("deadline.yaml", """
                    pipeline: deadline
                    version: 1
                    steps:
                      - {name: train, executor: process, deadline: %s, retry: {backoff: {initial: %s, cap: 1h}}}
                    """.formatted(deadline, deadline));
            StepSpec train = spec.step("train").orElseThrow();
            assertThat(train.deadline()).as(deadline).contains(Duration.ofSeconds(90));
            assertThat(train.retry().flatMap(RetrySpec::backoff)).as(deadline).hasValueSatisfying(backoff ->
                    assertThat(((ExponentialBackoff) backoff).initial()).isEqualTo(Duration.ofSeconds(90)));
        }
    }

    @Test
    void pointsAtTheLineOfBrokenYaml() {
        assertThatThrownBy(() -> PipelineParser.parse("broken.yaml", "pipeline: x\nversion: 1\nsteps: [\n  - a: b\n"))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> {
                    ConfigProblem problem = ((InvalidConfigException) thrown).problems().getFirst();
                    assertThat(problem.path()).isEqualTo("(file)");
                    assertThat(problem.message()).startsWith("not valid YAML: ");
                    assertThat(problem.line()).isGreaterThanOrEqualTo(4);
                });
        assertThatThrownBy(() -> PipelineParser.parse("empty.yaml", ""))
                .hasMessageContaining("line 1, (file): expected a mapping with pipeline, version and steps");
    }
}
