package dev.quiver.configfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.quiver.configfile.ConfigNode.ScalarType;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    @TempDir
    Path dir;

    @Test
    void everyNodeKnowsItsLineAndKeysTheirs() {
        ConfigFile file = ConfigFile.yaml("test", """
                # a comment
                pipeline: x
                steps:
                  - name: ingest
                    retry:
                      max-attempts: 3
                  - {name: select, trigger: {at-least: 2}}
                """);
        ConfigNode.Mapping root = (ConfigNode.Mapping) file.root().node();
        assertThat(root.line()).isEqualTo(2);
        assertThat(root.entries()).extracting(ConfigNode.Entry::key, ConfigNode.Entry::line)
                .containsExactly(tuple("pipeline", 2),
                        tuple("steps", 3));
        ConfigNode.Sequence steps = (ConfigNode.Sequence) root.entries().get(1).value();
        assertThat(steps.items()).extracting(ConfigNode::line).containsExactly(4, 7);

        assertThat(file.lineOf("steps[0].retry.max-attempts")).isEqualTo(6);
        assertThat(file.lineOf("steps[1].trigger.at-least")).isEqualTo(7);
        assertThat(file.lineOf("steps[0].retry")).isEqualTo(5);
        assertThat(file.lineOf("steps[0].deadline")).as("not written: the step's line").isEqualTo(4);
        assertThat(file.lineOf("steps[9]")).as("no such item: the list's key").isEqualTo(3);
        assertThat(file.lineOf("")).isEqualTo(2);
    }

    @Test
    void aKeyHoldingADotIsFoundByItsWholeName() {
        ConfigFile file = ConfigFile.yaml("test", "outputs:\n  softmax: a\n  \"softmax.tmp_0\": b\n");

        assertThat(file.lineOf("outputs.softmax.tmp_0")).isEqualTo(3);
        assertThat(file.lineOf("outputs.softmax")).isEqualTo(2);
    }

    @Test
    void scalarsKeepTheirTextBesideTheirValue() {
        ConfigFile file = ConfigFile.yaml("test", """
                text: hello
                quoted: "10"
                whole: 1_000
                hex: 0x10
                huge: 99999999999999999999
                decimal: 1.10
                exponent: 1e3
                infinite: .inf
                yes: yes
                bool: True
                nothing: ~
                empty:
                id: 012345678901
                """);
        Map<String, ConfigValue> values = file.root().mapping("a mapping").orElseThrow().entries();

        assertScalar(values.get("text"), ScalarType.TEXT, "hello", "hello");
        assertScalar(values.get("quoted"), ScalarType.TEXT, "10", "10");
        assertScalar(values.get("whole"), ScalarType.INTEGER, "1_000", 1000L);
        assertScalar(values.get("hex"), ScalarType.INTEGER, "0x10", 16L);
        assertScalar(values.get("huge"), ScalarType.INTEGER, "99999999999999999999",
                new BigInteger("99999999999999999999"));
        assertScalar(values.get("decimal"), ScalarType.DECIMAL, "1.10", 1.1);
        assertScalar(values.get("exponent"), ScalarType.DECIMAL, "1e3", 1000.0);
        assertScalar(values.get("infinite"), ScalarType.DECIMAL, ".inf", Double.POSITIVE_INFINITY);
        assertScalar(values.get("yes"), ScalarType.BOOLEAN, "yes", true);
        assertScalar(values.get("bool"), ScalarType.BOOLEAN, "True", true);
        assertScalar(values.get("nothing"), ScalarType.NULL, "~", null);
        assertScalar(values.get("empty"), ScalarType.NULL, "", null);
        assertThat(values.get("id").text()).contains("012345678901");
        assertThat(file.valid()).isTrue();
    }

    @Test
    void aliasesAreTheBlockTheirAnchorMarks() {
        ConfigFile file = ConfigFile.yaml("test", """
                base: &resources {cpu: 2, memory: 4Gi}
                train: *resources
                """);

        assertThat(file.root().plain()).isEqualTo(Map.of("base", Map.of("cpu", 2L, "memory", "4Gi"),
                "train", Map.of("cpu", 2L, "memory", "4Gi")));
        assertThat(file.valid()).isTrue();
    }

    @Test
    void reportsAKeyGivenTwiceAnUnknownAliasAndASecondDocument() {
        ConfigFile file = ConfigFile.yaml("test", """
                a: 1
                b: *nowhere
                a: 2
                ---
                c: 3
                """);

        assertThat(file.problems()).extracting(ConfigProblem::toString).containsExactly(
                "line 2, b: alias *nowhere names no mapping or list anchored &nowhere before it (a single value "
                        + "cannot be aliased: write it again)",
                "line 3, a: given twice",
                "line 5, (file): a second document; a configuration file holds one");
    }

    @Test
    void refusesTooManyAliasesToBlocks() {
        StringBuilder yaml = new StringBuilder("a: &a [1]\nb: [");
        for (int i = 0; i <= ConfigTreeBuilder.MAX_ALIASES; i++) {
            yaml.append(i == 0 ? "" : ", ").append("*a");
        }
        ConfigFile file = ConfigFile.yaml("test", yaml.append("]\n").toString());

        assertThat(file.problems()).extracting(ConfigProblem::message)
                .containsExactly("more than 50 aliases");
    }

    @Test
    void textThatIsNotYamlOrJsonIsRefusedAtTheLineOfTheProblem() {
        assertThatThrownBy(() -> ConfigFile.yaml("pipeline broken.yaml", "pipeline: x\nversion: 1\nsteps: [\n"
                + "  - a: b\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("pipeline broken.yaml is invalid: line 4, (file): not valid YAML: expected the node "
                        + "content, but found '-'");
        assertThatThrownBy(() -> ConfigFile.json("config.json", "{\n\"a\": }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("config.json is invalid: line 2, (file): not valid JSON: Unexpected "
                        + "character ('}'");
    }

    @Test
    void anEmptyFileIsANullDocument() {
        assertThat(ConfigFile.yaml("test", "# nothing\n").root().isNull()).isTrue();
    }

    @Test
    void readsAFileAsJsonOrYamlByItsName() throws IOException {
        Path json = Files.writeString(dir.resolve("config.json"), "{\"a\": [1, {\"b\": true}]}");
        Path yaml = Files.writeString(dir.resolve("config.yaml"), "a: [1, {b: true}]\n");

        assertThat(ConfigFile.read("json", json).root().plain()).isEqualTo(ConfigFile.read("yaml", yaml).root()
                .plain()).isEqualTo(Map.of("a", List.of(1L, Map.of("b", true))));
        Files.writeString(json, "a: 1\n");
        assertThatThrownBy(() -> ConfigFile.read("json", json)).hasMessageContaining("not valid JSON");
    }

    @Test
    void validatorErrorsArePlacedOnTheLineOfTheirPath() {
        ConfigFile file = ConfigFile.yaml("pipeline p.yaml", """
                steps:
                  - name: a
                  - name: b
                    trigger: {at-least: 3}
                """);
        file.report(List.of(new FieldError("steps[1].trigger.at-least", "asks for 3"),
                new FieldError("steps[0].name", "declared twice")));

        assertThatThrownBy(file::requireValid).isInstanceOf(InvalidConfigException.class)
                .hasMessage("pipeline p.yaml is invalid (2 problems):\n"
                        + "  line 2, steps[0].name: declared twice\n"
                        + "  line 4, steps[1].trigger.at-least: asks for 3");
    }

    private static void assertScalar(ConfigValue value, ScalarType type, String text, Object plain) {
        ConfigNode.Scalar scalar = (ConfigNode.Scalar) value.node();
        assertThat(scalar.type()).as(value.path()).isEqualTo(type);
        assertThat(scalar.text()).as(value.path()).isEqualTo(text);
        assertThat(value.plain()).as(value.path()).isEqualTo(plain);
    }
}
