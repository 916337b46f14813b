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
                "incoming", "predictions", Optional.empty()));
        assertThat(rules.match(new ObjectCreated("incoming", "a.jsonl", "e", 1, StorageProvider.S3)))
                .contains(new BatchRule("incoming", "", "", "digits", Optional.empty(), InputFormat.JSONL, false, Optional.empty(), "results",
                "out", Optional.empty()));
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
                    shard-size: lots
                """)).isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 2, rules[0].model: required, the model the rule runs them through",
                                "line 3, rules[0].modle: unknown setting; expected one of bucket, prefix, suffix, "
                                        + "model, version, format, header, id-column, output-bucket, output-prefix, "
                                        + "shard-size",
                                "line 6, rules[1].format: \"parquet\" is not csv or jsonl",
                                "line 7, rules[1].header: expected true or false, got \"ture\"",
                                "line 8, rules[1].output-prefix: must not be empty (results must not land where "
                                        + "inputs do)",
                                "line 9, rules[1].shard-size: \"lots\" is not a size: expected bytes such as 64MB or "
                                        + "a number of rows such as 100000"));
    }

    @Test
    void aShardSizeIsBytesWithAUnitOrRows() throws IOException {
        BatchRules rules = read("""
                rules:
                  - {bucket: a, model: digits, shard-size: 64MB}
                  - {bucket: b, model: digits, shard-size: 100000}
                  - {bucket: c, model: digits, shard-size: 512 rows}
                  - {bucket: d, model: digits}
                """);

        assertThat(shardSize(rules, "a")).contains(new ShardSize(64L << 20, 0));
        assertThat(shardSize(rules, "b")).contains(new ShardSize(0, 100000));
        assertThat(shardSize(rules, "c")).contains(new ShardSize(0, 512));
        assertThat(shardSize(rules, "d")).isEmpty();
    }

    private static Optional<ShardSize> shardSize(BatchRules rules, String bucket) {
        return rules.match(new ObjectCreated(bucket, "x.jsonl", "e", 1, StorageProvider.S3)).orElseThrow()
                .shardSize();
    }

    private BatchRules read(String yaml) throws IOException {
        return BatchRules.read(Optional.of(Files.writeString(dir.resolve("rules.yaml"), yaml)));
    }
}
