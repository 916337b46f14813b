package dev.quiver.orchestration.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.events.pipeline.StepSkipped;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas' relays sending one outbox, against a real database with the real schema and a real (slow) HTTP sink:
 * each event leaves once; a relay that dies holding a claim leaves its events to the other when its lease ends, and a
 * refused event is given back at once. Run on PostgreSQL and on the embedded database.
 */
abstract class ClaimingRelayContract {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration SEND = Duration.ofSeconds(10);

    private final MovableClock clock = new MovableClock();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile Duration sinkDelay = Duration.ZERO;
    private volatile int sinkStatus = 202;
    private HttpServer sinkServer;
    private Transactions transactions;
    private Outbox outbox;

    abstract DataSource dataSource();

    abstract String schema();

    @BeforeEach
    void setUp() throws IOException {
        Migrations.apply(dataSource(), schema());
        transactions = new Transactions(dataSource());
        outbox = new Outbox(transactions, new EventCodec(clock), clock);
        sinkServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sinkServer.setExecutor(Executors.newFixedThreadPool(4));
        sinkServer.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(sinkDelay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int status = sinkStatus;
            if (status / 100 == 2) {
                received.add(exchange.getRequestHeaders().getFirst("ce-id"));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        sinkServer.start();
    }

    @AfterEach
    void stopSink() {
        sinkServer.stop(0);
    }

    @Test
    void twoReplicasRelayingToASlowSinkSendEachEventOnce() throws Exception {
        sinkDelay = Duration.ofMillis(150);
        List<String> events = add(20);
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<Integer>> sent = new ArrayList<>();
            for (String replica : List.of("replica-a", "replica-b")) {
                ClaimingRelay relay = relay(replica);
                sent.add(replicas.submit(() -> {
                    together.await();
                    int count = 0;
                    while (unsent() > 0) {
                        count += relay.relay(sink(), entry -> { }).sent();
                    }
                    return count;
                }));
            }
            assertThat(sent.get(0).get() + sent.get(1).get()).isEqualTo(events.size());
        } finally {
            replicas.shutdownNow();
        }
        assertThat(received).as("each event leaves once").containsExactlyInAnyOrderElementsOf(events);
    }

    @Test
    void aRelayThatDiesHoldingAClaimLeavesItsEventsToAnotherWhenItsLeaseEnds() throws Exception {
        List<String> events = add(3);
        List<Outbox.Entry> held = outbox.claim("replica-gone", clock.instant().plus(LEASE), 10);
        assertThat(held).hasSize(3);
        ClaimingRelay survivor = relay("replica-b");
        assertThat(survivor.relay(sink(), entry -> { }).sent()).as("the lease still runs").isZero();

        clock.advance(LEASE);
        List<String> followed = new ArrayList<>();
        assertThat(survivor.relay(sink(), entry -> followed.add(entry.eventId())).sent()).isEqualTo(3);
        assertThat(received).containsExactlyElementsOf(events);
        assertThat(followed).as("what follows a sent event runs on the replica that sent it").isEqualTo(events);
        assertThat(outbox.markSent("replica-gone", held.getFirst())).as("the dead lease marks nothing").isFalse();
    }

    @Test
    void aRefusedEventIsGivenBackAndSentByTheNextRoundOfAnyReplica() throws Exception {
        List<String> events = add(2);
        sinkStatus = 503;
        ClaimingRelay.Round refused = relay("replica-a").relay(sink(), entry -> { });
        assertThat(refused.refused()).isTrue();
        assertThat(refused.sent()).isZero();

        sinkStatus = 202;
        assertThat(relay("replica-b").relay(sink(), entry -> { }).sent()).as("without waiting for the lease")
                .isEqualTo(2);
        assertThat(received).containsExactlyElementsOf(events);
    }

    @Test
    void aRelaySendsOnlyWhileItsLeaseOutlastsASendSoNoOtherReplicaTakesTheEventMeanwhile() throws Exception {
        List<String> events = add(3);
        ClaimingRelay other = relay("replica-b");
        Delivery slow = entry -> {
            // each send takes 25 s of the 30 s lease; the other replica relays meanwhile
            clock.advance(Duration.ofSeconds(25));
            other.relay(sink(), sent -> { });
            return sink().deliver(entry);
        };
        relay("replica-a").relay(slow, entry -> { });
        assertThat(unsent()).isZero();
        assertThat(received).as("each event leaves once").containsExactlyInAnyOrderElementsOf(events);
    }

    private ClaimingRelay relay(String owner) {
        return new ClaimingRelay(outbox, owner, LEASE, SEND, clock);
    }

    private Delivery sink() {
        return new SinkDelivery(URI.create("http://127.0.0.1:" + sinkServer.getAddress().getPort() + "/"),
                URI.create("/quiver/orchestration"), new EventCodec(clock),
                new CloudEventSender(HttpClient.newHttpClient(), EventTracing.off()), new ObjectMapper());
    }

    /** Adds {@code count} events, each in a transaction of its own; returns their ids in order. */
    private List<String> add(int count) throws SQLException {
        String run = UUID.randomUUID().toString();
        for (int i = 0; i < count; i++) {
            String instance = "step-" + i;
            transactions.inTransaction(c -> {
                outbox.add(c, EventTypes.STEP_SKIPPED, run, instance, new StepSkipped(run, instance, "test"));
                return null;
            });
        }
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select event_id from outbox where run_id = ? "
                     + "order by seq")) {
            select.setString(1, run);
            List<String> ids = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        }
    }

    private long unsent() throws SQLException {
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select count(*) from outbox where sent_at is null");
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** The real time, moved on by the test where a lease must pass. */
    private static final class MovableClock extends Clock {

        private volatile Duration ahead = Duration.ZERO;

        void advance(Duration by) {
            ahead = ahead.plus(by);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
