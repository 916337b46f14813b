package dev.quiver.orchestration.outbox;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A lease too short to outlast a send would let two replicas send one event: the setting is refused, by name. */
class RelayLeaseTest {

    @Test
    void aLeaseNoLongerThanTheLongestSendIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new ClaimingRelay(null, "relay-test", Duration.ofSeconds(5), SinkDelivery.TIMEOUT,
                Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("quiver.orchestration.relay-lease: PT5S must exceed the longest send");
    }
}
