package dev.quiver.inference.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.model.ModelAlert;
import dev.quiver.inference.InferenceException;
import dev.quiver.storage.ObjectStore;
import dev.quiver.testservices.SettableClock;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller against a real store (a folder, and S3): steps advance, a worse canary is rolled back, two replicas
 * sharing the store decide each step once, and a new process carries on from the stored state. Requests are reported
 * to each replica's statistics as serving reports them; the clock is the test's.
 */
abstract class RolloutsContract {

    static final String MODEL = "scores";
    static final CanaryCriteria CRITERIA = new CanaryCriteria(20, 0.01, 0.01, 0.99, 1.5, 5, List.of());

    @TempDir
    Path scratch;

    final SettableClock clock = new SettableClock(Instant.parse("2026-03-01T10:00:00Z"));
    final ConcurrentLinkedQueue<ModelAlert> alerts = new ConcurrentLinkedQueue<>();
    final ObjectMapper mapper = new ObjectMapper();

    private ObjectStore store;

    /** The store of this test, empty. */
    abstract ObjectStore openStore();

    ObjectStore store() {
        return store;
    }

    @BeforeEach
    void versions() throws Exception {
        store = openStore();
        Path model = Files.writeString(scratch.resolve("model.onnx"), "onnx");
        store.put(MODEL + "/1/model.onnx", model, "application/octet-stream");
        store.put(MODEL + "/2/model.onnx", model, "application/octet-stream");
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    Replica replica(String name) {
        ReplicaStatistics statistics = new ReplicaStatistics(List.<RolloutSignal>of());
        return new Replica(new Rollouts(new RolloutStore(store(), mapper), statistics, alerts::add, clock, name),
                statistics);
    }

    record Replica(Rollouts rollouts, ReplicaStatistics statistics) {

        /** Requests served by a version on this replica: {@code faults} of them failed, each took {@code millis}. */
        void serve(long version, int requests, int faults, double millis) {
            for (int i = 0; i < requests; i++) {
                statistics.served(MODEL, version, i < faults ? InferenceException.internal("fault", null) : null,
                        false, false, (long) (millis * 1e6));
            }
        }

        RolloutState state() {
            return rollouts.status(MODEL).orElseThrow().rollout();
        }
    }

    RolloutPlan plan(List<Integer> steps) {
        return new RolloutPlan(2, steps, Duration.ofSeconds(30), OptionalLong.of(1), CRITERIA);
    }

    @Test
    void aHealthyCanaryAdvancesStepByStepAndIsPromoted() throws Exception {
        Replica replica = replica("a");
        replica.rollouts().start(MODEL, plan(List.of(10, 50, 100)), "admin ops", OptionalLong.empty());
        assertThat(routing().path("weights").toString()).isEqualTo("{\"stable\":90,\"canary\":10}");
        assertThat(routing().path("aliases").toString()).isEqualTo("{\"stable\":1,\"canary\":2}");

        replica.rollouts().tick(MODEL);
        replica.serve(1, 180, 0, 2);
        replica.serve(2, 20, 0, 2);
        clock.advance(Duration.ofSeconds(29));
        replica.rollouts().tick(MODEL);
        assertThat(replica.state().step()).as("the step bakes 30 s").isZero();
        assertThat(store().list(MODEL + "/.rollout/")).as("the replica published its figures").hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        replica.rollouts().tick(MODEL);
        assertThat(replica.state().step()).isEqualTo(1);
        assertThat(routing().path("weights").toString()).isEqualTo("{\"stable\":50,\"canary\":50}");

        replica.serve(1, 25, 0, 2);
        replica.serve(2, 25, 0, 2);
        clock.advance(Duration.ofSeconds(30));
        replica.rollouts().tick(MODEL);
        replica.serve(1, 0, 0, 2);
        replica.serve(2, 30, 0, 2);
        clock.advance(Duration.ofSeconds(30));
        replica.rollouts().tick(MODEL);

        RolloutState state = replica.state();
        assertThat(state.status()).isEqualTo(RolloutStatus.PROMOTED);
        assertThat(state.history()).extracting(HistoryEntry::action)
                .containsExactly("START", "ADVANCE", "ADVANCE", "PROMOTE");
        assertThat(state.history()).extracting(HistoryEntry::weight).containsExactly(10, 50, 100, 100);
        HistoryEntry promoted = state.history().getLast();
        assertThat(promoted.by()).isEqualTo("controller a");
        assertThat(promoted.figures()).containsEntry("canary_requests", 30)
                .as("the stable version served nothing at 100%: its figures of the step before count")
                .containsEntry("stable_requests", 25).containsEntry("stable_reference", "earlier step");
        assertThat(routing().path("aliases").toString()).isEqualTo("{\"stable\":2}");
        assertThat(routing().path("weights").toString()).isEqualTo("{\"stable\":100}");
        assertThat(alerts).isEmpty();
    }

    @Test
    void aCanaryThatFailsMoreIsRolledBackWithAnAlert() throws Exception {
        Replica replica = replica("a");
        replica.rollouts().start(MODEL, plan(List.of(25, 100)), "admin ops", OptionalLong.empty());
        replica.rollouts().tick(MODEL);
        replica.serve(1, 100, 0, 2);
        replica.serve(2, 40, 8, 2);
        clock.advance(Duration.ofSeconds(30));
        replica.rollouts().tick(MODEL);

        RolloutState state = replica.state();
        assertThat(state.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        HistoryEntry rollback = state.history().getLast();
        assertThat(rollback.action()).isEqualTo("ROLLBACK");
        assertThat(rollback.reasons()).containsExactly(
                "fault rate 20% against the stable version's 0%: more than 1% above");
        assertThat(routing().path("aliases").toString()).isEqualTo("{\"stable\":1}");
        assertThat(routing().path("weights").toString()).isEqualTo("{\"stable\":100}");
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.kind()).isEqualTo("canary-rolled-back");
            assertThat(alert.modelVersion()).isEqualTo("2");
            assertThat(alert.reason()).contains("rolled back at 25%", "fault rate 20%");
        });
        replica.rollouts().tick(MODEL);
        assertThat(alerts).as("raised once").hasSize(1);
    }

    @Test
    void twoReplicasSumTheirFiguresAndDecideEachStepOnce() throws Exception {
        Replica a = replica("a");
        Replica b = replica("b");
        a.rollouts().start(MODEL, plan(List.of(20, 40, 60, 80, 100)), "admin ops", OptionalLong.empty());
        for (int round = 0; round < 5; round++) {
            // both learn of the step, serve (neither alone the 20 canary requests a step needs), publish
            a.rollouts().tick(MODEL);
            b.rollouts().tick(MODEL);
            a.serve(1, 15, 0, 2);
            a.serve(2, 12, 0, 2);
            b.serve(1, 15, 0, 2);
            b.serve(2, 12, 0, 2);
            a.rollouts().tick(MODEL);
            b.rollouts().tick(MODEL);
            clock.advance(Duration.ofSeconds(30));
            assertThat(ticksAtOnce(a, b)).as("round %d: one replica decides", round).containsOnlyOnce(
                    round < 4 ? Verdict.Decision.ADVANCE : Verdict.Decision.PROMOTE).hasSize(1);
        }
        RolloutState state = a.state();
        assertThat(state.status()).isEqualTo(RolloutStatus.PROMOTED);
        assertThat(state.history()).extracting(HistoryEntry::action)
                .containsExactly("START", "ADVANCE", "ADVANCE", "ADVANCE", "ADVANCE", "PROMOTE");
        assertThat(state.history()).extracting(HistoryEntry::step).containsExactly(0, 0, 1, 2, 3, 4);
        assertThat(state.history().subList(1, 6)).allSatisfy(entry ->
                assertThat(entry.figures()).containsEntry("canary_requests", 24));
    }

    /**
     * Both replicas' ticks, as close together as the store allows (sequentially where it cannot race).
     *
     * @return the decisions the two made and wrote
     */
    abstract List<Verdict.Decision> ticksAtOnce(Replica a, Replica b) throws Exception;

    @Test
    void aNewProcessCarriesOnFromTheStoredState() throws Exception {
        Replica before = replica("before");
        before.rollouts().start(MODEL, plan(List.of(50, 100)), "admin ops", OptionalLong.empty());
        before.rollouts().tick(MODEL);
        before.serve(1, 30, 0, 2);
        before.serve(2, 30, 0, 2);
        clock.advance(Duration.ofSeconds(30));
        before.rollouts().tick(MODEL);
        assertThat(before.state().step()).isEqualTo(1);

        // the process ends; a new one, with nothing in memory, reads the rollout from the store
        Replica after = replica("after");
        RolloutStatusView status = after.rollouts().status(MODEL).orElseThrow();
        assertThat(status.weight()).isEqualTo(100);
        assertThat(status.rollout().canaryVersion()).isEqualTo(2);
        assertThat(status.judgement().decision()).isEqualTo(Verdict.Decision.WAIT);
        after.rollouts().tick(MODEL);
        after.serve(2, 30, 0, 2);
        clock.advance(Duration.ofSeconds(30));
        after.rollouts().tick(MODEL);
        assertThat(after.state().status()).isEqualTo(RolloutStatus.PROMOTED);
        assertThat(after.state().history().getLast().by()).isEqualTo("controller after");
    }

    @Test
    void anAdminEndsARolloutByHandAndASecondRolloutWaitsForTheFirst() throws Exception {
        Replica replica = replica("a");
        replica.rollouts().start(MODEL, plan(List.of(5, 100)), "admin ops", OptionalLong.empty());
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(InferenceException.class, () ->
                replica.rollouts().start(MODEL, plan(List.of(5, 100)), "admin ops", OptionalLong.empty())))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(InferenceException.Kind.CONFLICT);
                    assertThat(e.getMessage()).isEqualTo("model scores has a rollout under way: version 2 at 5% "
                            + "against version 1; promote or roll it back first");
                });
        replica.rollouts().decide(MODEL, Verdict.Decision.ROLLBACK, "admin ops");
        assertThat(replica.state().history().getLast().by()).isEqualTo("admin ops");
        assertThat(replica.state().history().getLast().reasons()).containsExactly("rolled back by hand");
        assertThat(routing().path("weights").toString()).isEqualTo("{\"stable\":100}");

        // a second rollout: the stable version is now the routing's stable alias
        RolloutState second = replica.rollouts().start(MODEL, new RolloutPlan(2, List.of(100), Duration.ZERO,
                OptionalLong.empty(), CRITERIA), "admin ops", OptionalLong.empty());
        assertThat(second.stableVersion()).isEqualTo(1);
        replica.rollouts().decide(MODEL, Verdict.Decision.PROMOTE, "admin ops");
        assertThat(routing().path("aliases").toString()).isEqualTo("{\"stable\":2}");
    }

    JsonNode routing() throws Exception {
        try (InputStream in = store().open(MODEL + "/routing.json")) {
            return mapper.readTree(in);
        }
    }
}
