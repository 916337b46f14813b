package dev.quiver.inference.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.storage.FileSystemObjectStore;
import dev.quiver.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards start on row boundaries, cover the object, and know the line they start on. */
class ShardPlannerTest {

    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

    @TempDir
    Path root;

    private final ShardPlanner planner = new ShardPlanner(new ObjectMapper());

    @Test
    void csvShardsEndOnRowsNeverInsideAQuotedLineBreakAndCarryTheHeader() throws Exception {
        String csv = "id,a,b\n" + "r1,1,2\n" + "\"r\n2\",3,4\n" + "r3,5,6\n" + "\"r,4\",7,8\n" + "r5,9,10\n";
        ObjectStore store = store("in.csv", csv);

        ShardPlan plan = planner.plan(store, "in.csv", rule(InputFormat.CSV, true, "id"), new ShardSize(10, 0), NOW);

        assertThat(plan.header()).isEqualTo("id,a,b\n".length());
        assertThat(plan.size()).isEqualTo(csv.length());
        assertThat(plan.shards()).extracting(shard -> csv.substring((int) shard.from(), (int) shard.to()))
                .containsExactly("id,a,b\nr1,1,2\n", "\"r\n2\",3,4\n", "r3,5,6\n\"r,4\",7,8\n", "r5,9,10\n");
        assertThat(plan.shards()).extracting(ShardPlan.Shard::firstLine).containsExactly(1L, 3L, 5L, 7L);
        assertThat(plan.planned()).isEqualTo(NOW);
    }

    @Test
    void rowShardsCountLinesAndTheLastTakesWhatIsLeftWithoutAFinalLineBreak() throws Exception {
        String lines = "[1]\n[2]\n[3]\n[4]\n[5]\n[6]\n[7]";
        ObjectStore store = store("in.jsonl", lines);

        ShardPlan plan = planner.plan(store, "in.jsonl", rule(InputFormat.JSONL, false, null), new ShardSize(0, 3),
                NOW);

        assertThat(plan.header()).isZero();
        assertThat(plan.shards()).containsExactly(new ShardPlan.Shard(0, 12, 1), new ShardPlan.Shard(12, 24, 4),
                new ShardPlan.Shard(24, 27, 7));
    }

    @Test
    void anObjectWithinTheSizeIsOneShard() throws Exception {
        ObjectStore store = store("in.jsonl", "[1]\n[2]\n");

        assertThat(planner.plan(store, "in.jsonl", rule(InputFormat.JSONL, false, null), new ShardSize(1024, 0), NOW)
                .shards()).containsExactly(new ShardPlan.Shard(0, 8, 1));
    }

    @Test
    void aHeaderWithoutTheIdColumnIsRefusedBeforeAnyShardRuns() throws Exception {
        ObjectStore store = store("in.csv", "a,b\n1,2\n3,4\n5,6\n");

        assertThatThrownBy(() -> planner.plan(store, "in.csv", rule(InputFormat.CSV, true, "id"),
                new ShardSize(0, 1), NOW)).isInstanceOf(InvalidNotificationException.class)
                .hasMessageContaining("CSV header has no id column 'id'");
    }

    private ObjectStore store(String key, String content) throws Exception {
        Files.writeString(root.resolve(key), content, StandardCharsets.UTF_8);
        return new FileSystemObjectStore(root);
    }

    private static BatchRule rule(InputFormat format, boolean header, String idColumn) {
        return new BatchRule("in", "", "", "digits", Optional.empty(), format, header, Optional.ofNullable(idColumn),
                "in", "predictions", Optional.empty());
    }
}
