package dev.quiver.orchestration.outbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One replica's relay rounds: claims a few of the oldest unsent events for a lease, delivers them in order and marks
 * each sent, so that replicas relaying one outbox send each event once. An event is delivered only while the lease
 * outlasts the longest send; a delivery that fails ends the round and gives the rest of the claim back. A relay that
 * dies holding a claim leaves its events to the others when its lease ends: an event it had delivered but not marked
 * is then sent once more, with the same id.
 */
final class ClaimingRelay {

    private static final Logger LOG = Logger.getLogger(ClaimingRelay.class);
    private static final int CLAIM = 10;
    private static final int ROUND = 100;

    private final Outbox outbox;
    private final String owner;
    private final Duration lease;
    private final Duration longestSend;
    private final Clock clock;

    /** What one round did. */
    record Round(int sent, boolean refused) {
    }

    ClaimingRelay(Outbox outbox, String owner, Duration lease, Duration longestSend, Clock clock) {
        if (lease.compareTo(longestSend) <= 0) {
            throw new IllegalArgumentException("quiver.orchestration.relay-lease: " + lease + " must exceed the "
                    + "longest send (" + longestSend + "), or a relay would lose its claim while it sends");
        }
        this.outbox = outbox;
        this.owner = owner;
        this.lease = lease;
        this.longestSend = longestSend;
        this.clock = clock;
    }

    /** Delivers up to a round's worth of events; {@code sent} follows each one this relay marked sent. */
    Round relay(Delivery delivery, Consumer<Outbox.Entry> sent) {
        int count = 0;
        while (count < ROUND) {
            Instant until = clock.instant().plus(lease).truncatedTo(ChronoUnit.MILLIS);
            List<Outbox.Entry> claimed = outbox.claim(owner, until, CLAIM);
            if (claimed.isEmpty()) {
                return new Round(count, false);
            }
            for (int i = 0; i < claimed.size(); i++) {
                Outbox.Entry entry = claimed.get(i);
                if (clock.instant().plus(longestSend).isAfter(until)) {
                    outbox.release(owner, claimed.subList(i, claimed.size()));
                    break;
                }
                if (!delivery.deliver(entry)) {
                    outbox.release(owner, claimed.subList(i, claimed.size()));
                    return new Round(count, true);
                }
                if (outbox.markSent(owner, entry)) {
                    count++;
                    sent.accept(entry);
                } else {
                    LOG.warnf("outbox event %s (%s) was sent after this relay's lease ended; another relay sends it "
                            + "too, with the same id", entry.eventId(), entry.type());
                }
            }
        }
        return new Round(count, false);
    }
}
