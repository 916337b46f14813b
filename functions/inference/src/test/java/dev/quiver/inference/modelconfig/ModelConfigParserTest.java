package dev.quiver.inference.modelconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.ConfigProblem;
import dev.quiver.configfile.DurationText;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One case per rule of the model configuration file. */
class ModelConfigParserTest {

    private static final FailsafeDefaults FAILSAFE = new FailsafeDefaults(Duration.ofSeconds(30), 10, 50);
    private static final BatchingDefaults DEFAULTS = new BatchingDefaults(32, Duration.ofMillis(2),
            Duration.ofMillis(3));

    private final ModelConfigParser parser = new ModelConfigParser();

    @TempDir
    Path dir;

    @Test
    void everySettingInYaml() throws IOException {
        ModelConfigSpec spec = read("config.yaml", """
                version_policy: {latest: 2}
                max_batch_size: 16
                max_queue_delay_ms: 0.5
                inline_max_compute_ms: 0
                instances: 2
                threads: {intra_op: 1, inter_op: 1, spinning: true}
                inputs: {x: image}
                outputs: {"softmax_0.tmp_0": probabilities}
                """);
        ModelConfig config = ModelConfigDefaults.apply(spec, DEFAULTS, FAILSAFE);
        assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Latest(2));
        assertThat(config.maxBatchSize()).isEqualTo(16);
        assertThat(config.batchingExplicit()).isTrue();
        assertThat(config.maxQueueDelay()).isEqualTo(Duration.ofNanos(500_000));
        assertThat(config.inlineMaxCompute()).isZero();
        assertThat(config.instances()).isEqualTo(2);
        assertThat(config.intraOpThreads()).isEqualTo(1);
        assertThat(config.interOpThreads()).isEqualTo(1);
        assertThat(config.spinning()).isTrue();
        assertThat(config.inputNames()).isEqualTo(Map.of("x", "image"));
        assertThat(config.outputNames()).isEqualTo(Map.of("softmax_0.tmp_0", "probabilities"));
    }

    @Test
    void jsonWorksTheSame() throws IOException {
        ModelConfigSpec spec = read("config.json", """
                {"version_policy": {"specific": [1, 3]}, "max_batch_size": 0}""");
        assertThat(spec.versionPolicy()).isEqualTo(new VersionPolicy.Specific(List.of(1L, 3L)));
        assertThat(spec.maxBatchSize()).isZero();
    }

    @Test
    void defaultsFillWhatIsLeftOut() throws IOException {
        ModelConfig config = ModelConfigDefaults.apply(read("config.yaml", "# nothing set\n"), DEFAULTS,
                FAILSAFE);
        assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Latest(1));
        assertThat(config.maxBatchSize()).isEqualTo(32);
        assertThat(config.batchingExplicit()).isFalse();
        assertThat(config.maxQueueDelay()).isEqualTo(Duration.ofMillis(2));
        assertThat(config.inlineMaxCompute()).isEqualTo(Duration.ofMillis(3));
        assertThat(config.instances()).isEqualTo(1);
        assertThat(config.intraOpThreads()).isZero();
        assertThat(config.spinning()).isFalse();
        assertThat(config.inputNames()).isEmpty();
    }

    @Test
    void versionPolicyAll() throws IOException {
        assertThat(read("config.yaml", "version_policy: all\n").versionPolicy()).isEqualTo(new VersionPolicy.All());
    }

    @Test
    void unknownSettingsAreNamed() {
        assertProblems("max_batchsize: 4\nthreads: {intra: 1}\n",
                "line 1, max_batchsize: unknown setting; expected one of drift, fallback, golden_set, "
                        + "inline_max_compute_ms, inputs, instances, max_batch_size, max_queue_delay_ms, monitoring, "
                        + "output_checks, outputs, routing, threads, timeout_ms, version_policy",
                "line 2, threads.intra: unknown setting; expected one of inter_op, intra_op, spinning");
    }

    @Test
    void wrongTypesAreNamed() {
        assertProblems("max_batch_size: many\ninstances: 1.5\nthreads: {spinning: 1}\ninputs: [x]\n",
                "line 1, max_batch_size: expected a whole number, got \"many\"",
                "line 2, instances: expected a whole number, got 1.5",
                "line 3, threads.spinning: expected true or false, got 1",
                "line 4, inputs: expected a mapping of ONNX names to the names callers use");
    }

    @Test
    void rangesAreChecked() {
        assertProblems("max_batch_size: -1\ninstances: 0\nmax_queue_delay_ms: -2\nthreads: {intra_op: -1}\n"
                        + "inline_max_compute_ms: 20000\n",
                "line 1, max_batch_size: must be between 0 and 65536, got -1",
                "line 2, instances: must be between 1 and 64, got 0",
                "line 3, max_queue_delay_ms: must be between 0 and 10000, got -2.0",
                "line 4, threads.intra_op: must be between 0 and 1024, got -1",
                "line 5, inline_max_compute_ms: must be between 0 and 10000, got 20000.0");
    }

    @Test
    void deadlinesFallbacksAndOutputChecks() throws IOException {
        ModelConfig config = ModelConfigDefaults.apply(read("config.yaml", """
                timeout_ms: 250
                fallback:
                  - previous_version
                  - model: digits_small
                  - default_outputs: fallback/defaults.json
                  - {answers: answers.json, key: customer}
                output_checks: {failures: 3, window: 20}
                """), DEFAULTS, FAILSAFE);
        assertThat(config.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.fallback()).containsExactly(new FallbackSpec.PreviousVersion(),
                new FallbackSpec.Model("digits_small"), new FallbackSpec.DefaultOutputs("fallback/defaults.json"),
                new FallbackSpec.KeyedAnswers("answers.json", "customer"));
        assertThat(config.outputCheckFailures()).isEqualTo(3);
        assertThat(config.outputCheckWindow()).isEqualTo(20);

        ModelConfig defaults = ModelConfigDefaults.apply(read("config.yaml", "{}\n"), DEFAULTS, FAILSAFE);
        assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.fallback()).isEmpty();
        assertThat(defaults.outputCheckFailures()).isEqualTo(10);
        assertThat(defaults.outputCheckWindow()).isEqualTo(50);
    }

    @Test
    void fallbackAndDeadlineRules() {
        assertProblems("timeout_ms: 0\n", "line 1, timeout_ms: must be above 0 and at most 600000 (Knative's longest "
                + "request), got 0.0");
        assertProblems("fallback: [newest]\n", "line 1, fallback[0]: expected previous_version, {model: name}, "
                + "{default_outputs: file} or {answers: file, key: input}, got \"newest\"");
        assertProblems("fallback: [{answers: a.json}]\n",
                "line 1, fallback[0].key: name the input whose value keys the answers");
        assertProblems("fallback: [previous_version, previous_version]\n",
                "line 1, fallback[1]: previous_version is already in the chain");
        assertProblems("fallback: [{default_outputs: ../other/defaults.json}]\n",
                "line 1, fallback[0].default_outputs: expected a file in the model's folder, got "
                        + "\"../other/defaults.json\"");
        assertProblems("output_checks: {failures: 30, window: 20}\n",
                "line 1, output_checks.failures: must be at most the window (20), got 30");
    }

    @Test
    void driftThresholdsSamplingAndTheGoldenSetInterval() throws IOException {
        ModelConfig config = ModelConfigDefaults.apply(read("config.yaml", """
                drift: {psi: 0.1, ks_p: 0.001, window: 500, sample_rate: 1}
                golden_set: {interval: 90s}
                """), DEFAULTS, FAILSAFE);
        assertThat(config.drift()).isEqualTo(new DriftSettings(0.1, 0.001, 500, 1));
        assertThat(config.goldenSetInterval()).isEqualTo(Duration.ofSeconds(90));

        ModelConfig partly = ModelConfigDefaults.apply(read("config.yaml", "drift: {window: 200}\n"), DEFAULTS,
                FAILSAFE);
        assertThat(partly.drift()).isEqualTo(new DriftSettings(0.25, 0.01, 200, 0.1));
        assertThat(partly.goldenSetInterval()).as("the function's quiver.inference.golden-set.interval").isNull();
    }

    @Test
    void driftAndGoldenSetRules() {
        assertProblems("drift: {psi: 0, ks_p: 1, window: 10, sample_rate: 1.5}\n",
                "line 1, drift.psi: must be above 0 (0.1 flags a moderate shift, 0.25 a major one), got 0.0",
                "line 1, drift.ks_p: must be a p-value above 0 and below 1, got 1.0",
                "line 1, drift.window: must be between 50 and 100000, got 10",
                "line 1, drift.sample_rate: must be above 0 and at most 1 (the share of requests sampled), got 1.5");
        assertProblems("drift:\n  sample_rate: 0\n",
                "line 2, drift.sample_rate: must be above 0 and at most 1 (the share of requests sampled), got 0.0");
        assertProblems("drift: {psi: high, bins: 10}\n",
                "line 1, drift.psi: expected a number, got \"high\"",
                "line 1, drift.bins: unknown setting; expected one of ks_p, psi, sample_rate, window");
        assertProblems("golden_set: {interval: 0s}\n",
                "line 1, golden_set.interval: expected a positive duration such as 250ms, 90s, 1m30s, 1.5h or 14d "
                        + "(units ns, us, ms, s, m, h, d), or ISO-8601 such as PT1M30S, got \"0s\"");
    }

    @Test
    void monitoringLimits() throws IOException {
        ModelConfig config = ModelConfigDefaults.apply(read("config.yaml",
                "monitoring: {max_age: 30d, min_accuracy: 0.9, min_labels: 20}\n"), DEFAULTS, FAILSAFE);
        assertThat(config.monitoring()).isEqualTo(new MonitoringSpec(Duration.ofDays(30), 0.9, null, 20, null, null));
        assertThat(config.monitoring().keepsAnswers()).as("min_accuracy needs labels").isTrue();
        assertThat(ModelConfigDefaults.apply(read("config.yaml", "{}\n"), DEFAULTS, FAILSAFE).monitoring())
                .isEqualTo(MonitoringSpec.NONE);
        assertThat(MonitoringSpec.NONE.labelsNeeded()).isEqualTo(MonitoringSpec.MIN_LABELS);
        assertThat(read("config.json", "{\"monitoring\": {\"max_age\": \"PT12H\", \"max_mae\": 2.5, "
                + "\"max_prediction_shift\": 0.25}}").monitoring())
                .isEqualTo(new MonitoringSpec(Duration.ofHours(12), null, 2.5, null, 0.25, null));
        assertThat(MonitoringSpec.NONE.keepsAnswers()).as("no label comes back unless asked for").isFalse();
        assertThat(read("config.yaml", "monitoring: {labels: true}\n").monitoring().keepsAnswers()).isTrue();
        assertThat(read("config.yaml", "monitoring: {labels: false, max_age: 30d}\n").monitoring().keepsAnswers())
                .isFalse();
    }

    @Test
    void monitoringRules() {
        assertProblems("monitoring: {max_age: 30}\n", "line 1, monitoring.max_age: expected a positive duration such "
                + "as " + DurationText.FORMS + ", got 30");
        assertProblems("monitoring: {min_accuracy: 1.5, max_mae: -1, min_labels: 0}\n",
                "line 1, monitoring.min_accuracy: must be a share between 0 and 1, got 1.5",
                "line 1, monitoring.max_mae: must be 0 or more, got -1.0",
                "line 1, monitoring.min_labels: must be between 1 and 100000, got 0");
        assertProblems("monitoring: {max_prediction_shift: 0}\n", "line 1, monitoring.max_prediction_shift: must be "
                + "above 0 (a population stability index; 0.1 is a small shift, 0.25 a large one), got 0.0");
        assertProblems("monitoring: {max_age: 30d, accuracy: 0.9}\n", "line 1, monitoring.accuracy: unknown setting; "
                + "expected one of labels, max_age, max_mae, max_prediction_shift, min_accuracy, min_labels");
        assertProblems("monitoring: {labels: false, max_mae: 2.5}\n", "line 1, monitoring.labels: false keeps no answer to "
                + "join a label to, so max_mae could never be judged; remove it or set labels: true");
        assertProblems("monitoring: {labels: often}\n", "line 1, monitoring.labels: expected true or false, got "
                + "\"often\"");
    }

    @Test
    void versionPolicyRules() {
        assertProblems("version_policy: {latest: 0}\n", "line 1, version_policy.latest: must be at least 1, got 0");
        assertProblems("version_policy: {specific: []}\n",
                "line 1, version_policy.specific: list at least one version");
        assertProblems("version_policy: {specific: [1, -2]}\n",
                "line 1, version_policy.specific[1]: versions are positive, got -2");
        assertProblems("version_policy: newest\n",
                "line 1, version_policy: expected {latest: N}, {specific: [versions]} or all");
        assertProblems("version_policy: {specific: [one]}\n",
                "line 1, version_policy.specific[0]: expected a version number, got \"one\"");
    }

    @Test
    void renamesMustBeValidAndDistinct() {
        assertProblems("outputs: {a: result, b: result}\ninputs: {x: \"has space\"}\n",
                "line 1, outputs.b: \"result\" is already the name of another output",
                "line 2, inputs.x: \"has space\" is not a valid name (letters, digits and _ . : / -, at most 128)");
    }

    @Test
    void routingBlockWithDefaults() throws IOException {
        ModelConfig config = ModelConfigDefaults.apply(read("config.yaml", """
                version_policy: {specific: [3, 4]}
                routing:
                  aliases: {stable: 3, canary: 4}
                  weights: {stable: 95, canary: 5}
                  shadow: {version: canary, share: 0.1}
                """), DEFAULTS, FAILSAFE);
        Routing routing = config.routing().orElseThrow();
        assertThat(routing.aliases()).isEqualTo(Map.of("stable", 3L, "canary", 4L));
        assertThat(routing.weights()).isEqualTo(Map.of("stable", 95L, "canary", 5L));
        assertThat(routing.stickyKey()).isEqualTo(new StickyKey.Caller());
        assertThat(routing.shadow()).contains(new Routing.Shadow("canary", 0.1, Routing.Compare.AUTO));
        assertThat(ModelConfigDefaults.apply(read("config.yaml", "max_batch_size: 4\n"), DEFAULTS, FAILSAFE)
                .routing()).isEmpty();
        assertThat(ModelConfigDefaults.apply(read("config.yaml", "routing: {sticky_key: \"header:X-User\"}\n"),
                DEFAULTS, FAILSAFE).routing().orElseThrow().stickyKey()).isEqualTo(new StickyKey.Header("X-User"));
    }

    @Test
    void routingRules() {
        assertProblems("version_policy: {specific: [3, 4]}\nrouting: {weights: {3: 90, 5: 10}}\n",
                "line 2, routing.weights.5: version 5 is not served by the version policy (specific [3, 4])");
        assertProblems("routing: {weights: {1: -5, 2: 10}}\n",
                "line 1, routing.weights.1: weights are between 0 and 1000000, got -5");
        assertProblems("routing: {weights: {1: 0, 2: 0}}\n", "line 1, routing.weights: at least one weight must be "
                + "above 0 (leave weights out for the latest version to take all)");
        assertProblems("routing: {aliases: {stable: 1}, weights: {stabel: 10}}\n",
                "line 1, routing.weights.stabel: \"stabel\" is neither a version number nor an alias; the aliases "
                        + "are [stable]");
        assertProblems("routing: {aliases: {\"7up\": 1}}\n", "line 1, routing.aliases.7up: \"7up\" is not an alias: "
                + "a letter then letters, digits and _ . -, at most 64 (a number would read as a version)");
        assertProblems("routing: {sticky_key: cookie}\n",
                "line 1, routing.sticky_key: expected caller, header:<Name> or parameter:<name>, got \"cookie\"");
        assertProblems("routing: {shadow: {version: canary, share: 1.5, compare: mean}}\n",
                "line 1, routing.shadow.version: \"canary\" is neither a version number nor an alias; the aliases "
                        + "are []",
                "line 1, routing.shadow.share: must be above 0 and at most 1, got 1.5",
                "line 1, routing.shadow.compare: expected argmax or values, got \"mean\"");
        assertProblems("routing: {shadow: {version: 2}}\n",
                "line 1, routing.shadow.share: give the share of requests copied, above 0 and at most 1");
        assertProblems("routing: {weight: {1: 1}}\n",
                "line 1, routing.weight: unknown setting; expected one of aliases, shadow, sticky_key, weights");
    }

    @Test
    void routingFileReplacesTheBlockAndFollowsItsRules() throws IOException {
        Path file = dir.resolve("routing.json");
        Files.writeString(file, """
                {"aliases": {"stable": 3, "canary": 4}, "weights": {"stable": 75, "canary": 25},
                 "sticky_key": "parameter:user", "shadow": {"version": "canary", "share": 1, "compare": "values"}}""");
        Routing routing = ModelConfigDefaults.routing(parser.readRouting(file));
        assertThat(routing.weights()).isEqualTo(Map.of("stable", 75L, "canary", 25L));
        assertThat(routing.stickyKey()).isEqualTo(new StickyKey.Parameter("user"));
        assertThat(routing.shadow()).contains(new Routing.Shadow("canary", 1.0, Routing.Compare.VALUES));
        Files.writeString(file, "{\"weights\": {\"canary\": 5}}");
        assertThatThrownBy(() -> parser.readRouting(file)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("weights.canary: \"canary\" is neither a version number nor an alias");
    }

    @Test
    void aRoutingMustNameOnlyVersionsThePolicyServes() {
        Routing routing = ModelConfigDefaults.routing(new RoutingSpec(Map.of("stable", 3L), Map.of("stable", 90L,
                "4", 10L), null, new RoutingSpec.ShadowSpec("5", 0.5, null)));
        assertThat(ModelConfigValidator.servedVersions("routing.", routing, Set.of(3L, 4L, 5L),
                new VersionPolicy.Latest(3))).isEmpty();
        assertThat(ModelConfigValidator.servedVersions("routing.", routing, Set.of(4L), new VersionPolicy.Latest(1)))
                .extracting(e -> e.path() + ": " + e.message()).containsExactly(
                        "routing.aliases.stable: version 3 is not served (the version policy, latest 1, selects [4])",
                        "routing.weights.stable: version 3 is not served (the version policy, latest 1, selects [4])",
                        "routing.shadow.version: version 5 is not served (the version policy, latest 1, selects [4])");
    }

    @Test
    void malformedFilesSayWhere() {
        assertThatThrownBy(() -> read("config.json", "{\"max_batch_size\": }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("config.json is invalid: line 1, (file): not valid JSON");
        assertThatThrownBy(() -> read("config.yaml", "[1, 2"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("config.yaml is invalid: line 1, (file): not valid YAML");
        assertProblems("- 1\n- 2\n", "line 1, (file): expected a mapping of settings at the top level");
    }

    @Test
    void policiesSelectFromWhatIsPresent() {
        NavigableSet<Long> present = new TreeSet<>(List.of(1L, 2L, 5L, 9L));
        assertThat(new VersionPolicy.Latest(1).select(present)).containsExactly(9L);
        assertThat(new VersionPolicy.Latest(3).select(present)).containsExactly(2L, 5L, 9L);
        assertThat(new VersionPolicy.Latest(10).select(present)).containsExactly(1L, 2L, 5L, 9L);
        assertThat(new VersionPolicy.Specific(List.of(2L, 3L)).select(present)).containsExactly(2L);
        assertThat(new VersionPolicy.All().select(present)).containsExactly(1L, 2L, 5L, 9L);
        assertThat(new VersionPolicy.Latest(1).select(new TreeSet<>())).isEmpty();
    }

    private ModelConfigSpec read(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return parser.read(file);
    }

    private void assertProblems(String yaml, String... problems) {
        assertThatThrownBy(() -> read("config.yaml", yaml))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).extracting(ConfigProblem::toString)
                        .containsExactlyInAnyOrder(problems));
    }
}
