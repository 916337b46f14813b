package dev.quiver.inference.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.ConfigProblem;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchRulesTest {

    @TempDir
    Path dir;

    @Test
    void aRuleTakesItsDefaultsFromWhatItLeavesOut() throws IOException {
        BatchRules rules = read("""
                rules:
                  - {bucket: incoming, suffix: .csv, model: digits, version: 1, header: true, id-column: id}
                  - {bucket: incoming, model: digits, output-bucket: results, output-prefix: out/}
                """);

        assertThat(rules.match(new ObjectCreated("incoming", "a.csv", "e", 1, StorageProvider.S3)))
                .contains(new BatchRule("incoming", "", ".csv", "digits", Optional.of("1"), InputFormat.CSV, true, Optional.of("id"),
                "incoming", "predictions"));
        assertThat(rules.match(new ObjectCreated("incoming", "a.jsonl", "e", 1, StorageProvider.S3)))
                .contains(new BatchRule("incoming", "", "", "digits", Optional.empty(), InputFormat.JSONL, false, Optional.empty(), "results",
                "out"));
    }

    @Test
    void everyMistakeIsReportedAtOnceWithItsLine() throws IOException {
        assertThatThrownBy(() -> read("""
                rules:
                  - bucket: incoming
                    modle: digits
                  - bucket: incoming
                    model: digits
                    format: parquet
                    header: ture
                    output-prefix: /
                """)).isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 2, rules[0].model: required, the model the rule runs them through",
                                "line 3, rules[0].modle: unknown setting; expected one of bucket, prefix, suffix, "
                                        + "model, version, format, header, id-column, output-bucket, output-prefix",
                                "line 6, rules[1].format: \"parquet\" is not csv or jsonl",
                                "line 7, rules[1].header: expected true or false, got \"ture\"",
                                "line 8, rules[1].output-prefix: must not be empty (results must not land where "
                                        + "inputs do)"));
    }

    private BatchRules read(String yaml) throws IOException {
        return BatchRules.read(Optional.of(Files.writeString(dir.resolve("rules.yaml"), yaml)));
    }
}
