package dev.quiver.inference.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceException;
import dev.quiver.storage.FileSystemObjectStore;
import dev.quiver.storage.ObjectStore;
import dev.quiver.testservices.SettableClock;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas claim the same work in one folder store, on a clock the test moves: a claim its holder keeps renewing
 * outlives the timeout, one whose holder died is taken over.
 */
class BatchClaimsTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final Duration TIMEOUT = Duration.ofHours(1);
    private static final String KEY = "predictions/digits/_claims/big.csv.v1.json";

    @TempDir
    Path root;

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private ObjectStore store;
    private BatchClaims first;
    private BatchClaims second;

    @BeforeEach
    void replicas() {
        store = new FileSystemObjectStore(root);
        first = new BatchClaims(JSON, clock, TIMEOUT);
        second = new BatchClaims(JSON, clock, TIMEOUT);
    }

    @AfterEach
    void stop() {
        first.stop();
        second.stop();
    }

    @Test
    void aClaimRenewedWhileItsHolderWorksIsNotTakenOverPastTheTimeout() throws Exception {
        BatchClaims.Held held = first.claim(store, KEY, "batch big.csv");
        for (int i = 0; i < 4; i++) {
            clock.advance(TIMEOUT.dividedBy(3));
            first.renewHeld();
        }
        clock.advance(TIMEOUT.dividedBy(2));

        assertThat(second.tryHold(store, KEY, "batch big.csv")).as("claimed 110 minutes ago, renewed 30").isEmpty();
        assertThatThrownBy(() -> second.claim(store, KEY, "batch big.csv")).isInstanceOf(InferenceException.class)
                .hasMessageContaining("another replica has been processing it since 2026-12-05T10:00:00Z");
        assertThat(owner()).isEqualTo(owner(first));

        held.close();
        assertThat(store.head(KEY)).as("given up when the work is done").isEmpty();
        assertThat(second.tryHold(store, KEY, "batch big.csv")).isPresent();
    }

    @Test
    void aClaimNotRenewedForTheTimeoutIsTakenOverAndItsLateHolderLeavesTheNewOneAlone() throws Exception {
        BatchClaims.Held crashed = first.claim(store, KEY, "batch big.csv");
        clock.advance(TIMEOUT.minusMinutes(1));
        assertThat(second.tryHold(store, KEY, "batch big.csv")).as("still within the timeout").isEmpty();

        clock.advance(Duration.ofMinutes(2));
        BatchClaims.Held taken = second.tryHold(store, KEY, "batch big.csv").orElseThrow();
        assertThat(owner()).isEqualTo(owner(second));

        first.renewHeld();
        crashed.close();
        assertThat(owner()).as("the old holder neither renews nor releases a claim it lost").isEqualTo(owner(second));
        taken.close();
        assertThat(store.head(KEY)).isEmpty();
    }

    private String owner() throws Exception {
        try (InputStream in = store.open(KEY)) {
            return JSON.readValue(in, BatchClaims.Claim.class).owner();
        }
    }

    /** The owner a replica writes into its claims, read from a claim it takes on a key of its own. */
    private String owner(BatchClaims replica) throws Exception {
        String probe = "probe/" + System.identityHashCode(replica) + ".json";
        try (BatchClaims.Held held = replica.claim(store, probe, "probe");
             InputStream in = store.open(probe)) {
            return JSON.readValue(in, BatchClaims.Claim.class).owner();
        }
    }
}
