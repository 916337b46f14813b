package dev.quiver.inference.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.modelconfig.ModelConfigDefaults;
import dev.quiver.inference.modelconfig.RoutingSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Sticky weighted routing: same key, same version, anywhere; shares that match the weights; few keys move. */
class RoutingTableTest {

    private static RoutingTable table(Map<String, Long> weights) {
        return RoutingTable.of("digits", ModelConfigDefaults.routing(new RoutingSpec(
                Map.of("stable", 1L, "canary", 2L), weights, "header:X-User", null)));
    }

    /** Every weighted version is ready and in service. */
    private static boolean serving(long version) {
        return true;
    }

    @Test
    void twoIndependentlyBuiltTablesGiveEveryKeyTheSameVersion() {
        // two replicas, or one replica before and after a restart, build their tables from the same config
        RoutingTable replicaA = table(Map.of("stable", 50L, "canary", 50L));
        RoutingTable replicaB = table(Map.of("canary", 50L, "stable", 50L));
        for (int i = 0; i < 1000; i++) {
            String key = "user-" + i;
            assertThat(replicaB.choose(key, RoutingTableTest::serving))
                    .isEqualTo(replicaA.choose(key, RoutingTableTest::serving));
        }
    }

    @Test
    void aKeysVersionDependsOnNothingButModelKeyAndWeights() {
        // pinned answers: a hash seeded per process (String.hashCode of a record, say) would break these after a
        // restart of the JVM
        RoutingTable table = table(Map.of("stable", 50L, "canary", 50L));
        Map<String, Long> seen = new HashMap<>();
        for (String key : new String[] {"alice", "bob", "carol", "dave", "erin", "frank"}) {
            seen.put(key, table.choose(key, RoutingTableTest::serving));
        }
        assertThat(seen).isEqualTo(Map.of("alice", PINNED.get("alice"), "bob", PINNED.get("bob"), "carol",
                PINNED.get("carol"), "dave", PINNED.get("dave"), "erin", PINNED.get("erin"), "frank",
                PINNED.get("frank")));
    }

    private static final Map<String, Long> PINNED = Map.of("alice", 2L, "bob", 1L, "carol", 2L, "dave", 1L,
            "erin", 1L, "frank", 1L);

    @Test
    void sharesOfRandomKeysConvergeOnTheWeights() {
        RoutingTable table = table(Map.of("stable", 90L, "canary", 10L));
        int keys = 10_000;
        int canary = 0;
        Random random = new Random(19);
        for (int i = 0; i < keys; i++) {
            if (table.choose(new UUID(random.nextLong(), random.nextLong()).toString(), RoutingTableTest::serving)
                    == 2) {
                canary++;
            }
        }
        // binomial: mean n p, standard deviation sqrt(n p (1 - p)) = 30; five of them either side
        double sigma = Math.sqrt(keys * 0.1 * 0.9);
        assertThat((double) canary).isBetween(keys * 0.1 - 5 * sigma, keys * 0.1 + 5 * sigma);
    }

    @Test
    void randomDrawsWithoutAKeyConvergeOnTheWeights() {
        RoutingTable table = table(Map.of("stable", 90L, "canary", 10L));
        SplittableRandom random = new SplittableRandom(7);
        int draws = 10_000;
        int canary = 0;
        for (int i = 0; i < draws; i++) {
            if (table.draw(RoutingTableTest::serving, random) == 2) {
                canary++;
            }
        }
        double sigma = Math.sqrt(draws * 0.1 * 0.9);
        assertThat((double) canary).isBetween(draws * 0.1 - 5 * sigma, draws * 0.1 + 5 * sigma);
    }

    @Test
    void raisingTheCanarysWeightMovesOnlyKeysToTheCanaryAndNoMoreThanItsGain() {
        RoutingTable before = table(Map.of("stable", 90L, "canary", 10L));
        RoutingTable after = table(Map.of("stable", 75L, "canary", 25L));
        int keys = 10_000;
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            String key = "user-" + i;
            long was = before.choose(key, RoutingTableTest::serving);
            long is = after.choose(key, RoutingTableTest::serving);
            if (was != is) {
                assertThat(is).as("a key moved away from the canary whose weight grew").isEqualTo(2);
                moved++;
            }
        }
        // the least any routing can move is the canary's gain in share, 15 %; rendezvous hashing moves just that
        double sigma = Math.sqrt(keys * 0.15 * 0.85);
        assertThat((double) moved).isBetween(keys * 0.15 - 5 * sigma, keys * 0.15 + 5 * sigma);
    }

    @Test
    void aVersionOutOfServiceHandsOnlyItsOwnKeysToTheRemainingWeights() {
        RoutingTable table = RoutingTable.of("digits", ModelConfigDefaults.routing(new RoutingSpec(Map.of(),
                Map.of("1", 50L, "2", 30L, "3", 20L), null, null)));
        for (int i = 0; i < 2000; i++) {
            String key = "user-" + i;
            long all = table.choose(key, version -> true);
            long withoutTwo = table.choose(key, version -> version != 2);
            if (all != 2) {
                assertThat(withoutTwo).isEqualTo(all);
            } else {
                assertThat(withoutTwo).isIn(1L, 3L);
            }
        }
        assertThat(table.choose("anyone", version -> false)).isEqualTo(-1);
        assertThat(table.draw(version -> false, new SplittableRandom(1))).isEqualTo(-1);
    }
}
