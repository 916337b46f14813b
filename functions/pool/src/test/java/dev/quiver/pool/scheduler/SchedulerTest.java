package dev.quiver.pool.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    /** Capacity held by a cohort; users own nothing and share it; a blocker holds all of it until the test starts. */
    private static String users(int capacity, String... users) {
        StringBuilder yaml = new StringBuilder("""
                resources: [cpu]
                cohorts:
                  everyone:
                    quota: {cpu: %d}
                queues:
                  blocker: {cohort: everyone}
                """.formatted(capacity));
        for (String user : users) {
            yaml.append("  ").append(user).append(": {cohort: everyone}\n");
        }
        return yaml + "work: {default-queue: blocker}\n";
    }

    @Test
    void fourUsersGetAQuarterEachAndAFifthMakesItAFifthWhateverTheirNumbersOfJobs() {
        Simulation pool = new Simulation(users(100, "u1", "u2", "u3", "u4", "u5"));
        pool.submit("blocker", "blocker", "normal", 100);
        pool.submitMany("u1", "u1", 400);
        pool.submitMany("u2", "u2", 150);
        pool.submitMany("u3", "u3", 200);
        pool.submitMany("u4", "u4", 300);

        pool.finish("blocker");

        for (String user : List.of("u1", "u2", "u3", "u4")) {
            assertThat(pool.percentOf(user, 100)).as(user).isEqualTo(25.0);
        }

        pool.submitMany("u5", "u5", 200);
        for (int i = 0; i < 300; i++) {
            pool.finishOldest();
        }

        for (String user : List.of("u1", "u2", "u3", "u4", "u5")) {
            assertThat(pool.percentOf(user, 100)).as(user).isEqualTo(20.0);
        }
    }

    @Test
    void threeGroupsOfThreeTwoAndFourUsersGetAThirdEachSplitAmongTheirUsers() {
        Simulation pool = new Simulation("""
                resources: [cpu]
                cohorts:
                  org: {quota: {cpu: 72}}
                  g1: {parent: org}
                  g2: {parent: org}
                  g3: {parent: org}
                queues:
                  blocker: {cohort: org}
                  a1: {cohort: g1}
                  a2: {cohort: g1}
                  a3: {cohort: g1}
                  b1: {cohort: g2}
                  b2: {cohort: g2}
                  c1: {cohort: g3}
                  c2: {cohort: g3}
                  c3: {cohort: g3}
                  c4: {cohort: g3}
                work: {default-queue: blocker}
                """);
        pool.submit("blocker", "blocker", "normal", 72);
        for (String user : List.of("a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3", "c4")) {
            pool.submitMany(user, user, 40);
        }

        pool.finish("blocker");

        assertThat(List.of("a1", "a2", "a3")).allSatisfy(user -> assertThat(pool.percentOf(user, 72))
                .isEqualTo(11.1));
        assertThat(List.of("b1", "b2")).allSatisfy(user -> assertThat(pool.percentOf(user, 72)).isEqualTo(16.7));
        assertThat(List.of("c1", "c2", "c3", "c4")).allSatisfy(user -> assertThat(pool.percentOf(user, 72))
                .isEqualTo(8.3));
        double group = pool.percentOf("a1", 72) + pool.percentOf("a2", 72) + pool.percentOf("a3", 72);
        assertThat(group).isCloseTo(33.3, org.assertj.core.data.Offset.offset(0.1));
    }

    private static final String ONE_QUEUE = """
            resources: [cpu]
            queues:
              team:
                quota: {cpu: %d}
                queueing: %s
            work: {default-queue: team}
            """;

    @Test
    void anAdministratorsJobRunsPastWorkThatWaitsForAStuckJob() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(4, "strict-fifo"));
        pool.submit("stuck", "team", "normal", 3);
        pool.submit("w1", "team", "normal", 2);
        pool.submit("w2", "team", "normal", 2);
        pool.submit("same-as-others", "team", "normal", 1);

        Decision admin = pool.submit("restart-stuck", "team", "system", 1);

        assertThat(pool.isRunning("same-as-others")).as("first come, first served: behind w1, which never fits")
                .isFalse();
        assertThat(admin.admitted()).extracting(Decision.Admission::id).containsExactly("restart-stuck");
        assertThat(admin.preempted()).isEmpty();

        pool.finish("restart-stuck");
        Decision restarted = pool.finish("stuck");

        assertThat(restarted.admitted()).extracting(Decision.Admission::id).containsExactly("w1", "w2");
    }

    @Test
    void highBeforeMediumBeforeLowFirstComeFirstServedWithinAPriority() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(1, "best-effort-fifo"));
        pool.submit("x", "team", "normal", 1);
        pool.submit("A", "team", "high", 1);
        pool.submit("B", "team", "low", 1);
        pool.submit("C", "team", "high", 1);
        pool.submit("D", "team", "normal", 1);

        for (String id : List.of("x", "A", "C", "D", "B")) {
            pool.finish(id);
        }

        assertThat(pool.admissions).containsExactly("x", "A", "C", "D", "B");
    }

    @Test
    void aRunningLowPriorityJobIsPreemptedForAHighPriorityOneAndResumesAfterIt() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(2, "best-effort-fifo"));
        pool.submit("low", "team", "low", 2);

        Decision high = pool.submit("high", "team", "high", 2);

        assertThat(high.preempted()).singleElement().satisfies(eviction -> {
            assertThat(eviction.id()).isEqualTo("low");
            assertThat(eviction.reason()).isEqualTo("Preempted");
            assertThat(eviction.by()).isEqualTo("high");
        });
        assertThat(high.admitted()).extracting(Decision.Admission::id).containsExactly("high");
        assertThat(pool.state.pending("team")).extracting(e -> e.workload().id()).containsExactly("low");

        Decision after = pool.finish("high");

        assertThat(after.admitted()).extracting(Decision.Admission::id).containsExactly("low");
    }

    @Test
    void aClassThatDoesNotPreemptWaits() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(2, "best-effort-fifo").replace("default-queue: team",
                "default-queue: team, default-priority: batch") + """
                priority-classes:
                  batch: {value: 10}
                  polite: {value: 500, preemption: never}
                """);
        pool.submit("batch", "team", "batch", 2);

        Decision polite = pool.submit("polite", "team", "polite", 2);

        assertThat(polite.preempted()).isEmpty();
        assertThat(polite.admitted()).isEmpty();
    }

    @Test
    void aGangOfFourWithRoomForThreeWaitsWithoutHoldingTheThree() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(4, "best-effort-fifo"));
        pool.submit("one", "team", "normal", 1);

        Decision gang = pool.submit("gang", "team", "normal", 4, 4);

        assertThat(gang.admitted()).isEmpty();
        assertThat(pool.state.usage("team")).containsEntry("cpu", 1000L);
        Decision small = pool.submit("small", "team", "normal", 3);
        assertThat(small.admitted()).extracting(Decision.Admission::id).as("the gang holds nothing")
                .containsExactly("small");

        pool.finish("one");
        Decision whole = pool.finish("small");

        assertThat(whole.admitted()).extracting(Decision.Admission::id).containsExactly("gang");
        assertThat(pool.state.usage("team")).containsEntry("cpu", 4000L);
    }

    @Test
    void aGangThatWaitsPastItsTimeoutIsRefused() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(4, "best-effort-fifo") + "gang-timeout: 5m\n");
        pool.submit("one", "team", "normal", 1);
        pool.submit("gang", "team", "normal", 4, 4);

        assertThat(pool.tick(Duration.ofMinutes(4)).refused()).isEmpty();
        Decision late = pool.tick(Duration.ofMinutes(2));

        assertThat(late.refused()).singleElement().satisfies(refusal -> {
            assertThat(refusal.id()).isEqualTo("gang");
            assertThat(refusal.reason()).isEqualTo("GangTimeout");
        });
        assertThat(pool.state.find("gang")).isEmpty();
    }

    @Test
    void twoGangsThatTogetherDoNotFitNeverDeadlock() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(4, "best-effort-fifo"));
        pool.submit("blocker", "team", "normal", 4);
        pool.submit("gang-a", "team", "normal", 3, 3);
        pool.submit("gang-b", "team", "normal", 3, 3);

        Decision first = pool.finish("blocker");

        assertThat(first.admitted()).extracting(Decision.Admission::id).containsExactly("gang-a");
        assertThat(pool.state.usage("team")).containsEntry("cpu", 3000L);
        Decision second = pool.finish("gang-a");
        assertThat(second.admitted()).extracting(Decision.Admission::id).containsExactly("gang-b");
    }

    private static final String TWO_TEAMS = """
            resources: [cpu]
            cohorts:
              company: {}
            queues:
              research:
                cohort: company
                quota: {cpu: 4}
              serving:
                cohort: company
                quota: {cpu: {nominal: 4, borrowing-limit: %s}}
                preemption: {reclaim-within-cohort: %s}
            work: {default-queue: research}
            """;

    @Test
    void aQueueBorrowsWhatItsCohortDoesNotUseAndTheOwnerReclaimsIt() {
        Simulation pool = new Simulation(TWO_TEAMS.formatted("4", "any"));
        pool.submit("train-1", "research", "normal", 2);
        pool.submit("train-2", "research", "normal", 2);
        pool.submit("train-3", "research", "normal", 2);
        pool.submit("train-4", "research", "normal", 2);
        assertThat(pool.runningIn("research")).as("4 of its own, 4 borrowed").isEqualTo(4);

        Decision surge = pool.submit("serve", "serving", "normal", 3);

        assertThat(surge.preempted()).extracting(Decision.Eviction::id).as("the latest borrowed, the fewest")
                .containsExactly("train-4", "train-3");
        assertThat(surge.admitted()).extracting(Decision.Admission::id).containsExactly("serve");
        assertThat(pool.runningIn("research")).isEqualTo(2);
    }

    @Test
    void borrowingStopsAtTheBorrowingLimit() {
        Simulation pool = new Simulation(TWO_TEAMS.formatted("1", "never"));
        pool.submit("serve-1", "serving", "normal", 4);

        assertThat(pool.submit("serve-2", "serving", "normal", 2).admitted()).isEmpty();
        assertThat(pool.submit("serve-3", "serving", "normal", 1).admitted()).hasSize(1);
    }

    @Test
    void aQueueRefusesWorkPastItsPendingLimitAndWorkLargerThanItCanEverHave() {
        Simulation pool = new Simulation("""
                resources: [cpu]
                queues:
                  team: {quota: {cpu: 1}, max-pending: 2}
                work: {default-queue: team}
                """);
        pool.submit("running", "team", "normal", 1);
        pool.submit("p1", "team", "normal", 1);
        pool.submit("p2", "team", "normal", 1);

        assertThat(pool.submit("p3", "team", "normal", 1).refused()).singleElement()
                .satisfies(refusal -> assertThat(refusal.reason()).isEqualTo("PendingLimit"));
        assertThat(pool.submit("huge", "team", "normal", 2).refused()).singleElement()
                .satisfies(refusal -> assertThat(refusal.message()).isEqualTo(
                        "asks for cpu 2, more than queue team can ever have (cpu 1)"));
        assertThat(pool.submit("lost", "nowhere", "normal", 1).refused()).singleElement()
                .satisfies(refusal -> assertThat(refusal.reason()).isEqualTo("UnknownQueue"));
    }

    @Test
    void aLongWaitingLargeJobIsNotPassedOverForeverBySmallOnes() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(4, "best-effort-fifo") + "starvation-after: 10m\n");
        pool.submit("s0", "team", "normal", 2);
        pool.submit("s1", "team", "normal", 2);
        pool.submit("large", "team", "normal", 4);
        pool.tick(Duration.ofMinutes(11));

        pool.finish("s0");
        Decision small = pool.submit("s2", "team", "normal", 2);

        assertThat(small.admitted()).as("the room s0 left is kept for the starving job").isEmpty();
        assertThat(pool.finish("s1").admitted()).extracting(Decision.Admission::id).containsExactly("large");
    }

    @Test
    void redeliveredEventsChangeNothing() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(1, "best-effort-fifo"));
        pool.submit("a", "team", "normal", 1);
        Workload again = pool.state.find("a").orElseThrow().workload();

        assertThat(Scheduler.decide(pool.state, new PoolEvent.Submitted(again, pool.now)).isEmpty()).isTrue();
        pool.finish("a");
        assertThat(pool.finish("a").isEmpty()).isTrue();
    }

    @Test
    void aBatchOfEventsIsDecidedAsOneRoundInTheOrderOfTheQueue() {
        Simulation pool = new Simulation(ONE_QUEUE.formatted(2, "best-effort-fifo"));
        pool.submit("running", "team", "normal", 2);
        var normal = pool.spec.priorityClasses().get("normal");
        var high = pool.spec.priorityClasses().get("high");
        java.time.Instant at = pool.now.plusSeconds(1);
        Workload first = new Workload("first", "team", "normal", normal.value(), true, java.util.Map.of("cpu", 1000L),
                1, at);
        Workload urgent = new Workload("urgent", "team", "high", high.value(), false, java.util.Map.of("cpu", 1000L),
                1, at.plusMillis(1));
        Workload withdrawn = new Workload("withdrawn", "team", "high", high.value(), false,
                java.util.Map.of("cpu", 1000L), 1, at.plusMillis(2));

        Decision decision = Scheduler.decide(pool.state, List.of(new PoolEvent.Submitted(first, at),
                new PoolEvent.Submitted(urgent, at.plusMillis(1)), new PoolEvent.Submitted(withdrawn, at.plusMillis(2)),
                new PoolEvent.Finished("withdrawn", at.plusMillis(3)), new PoolEvent.Finished("running", at.plusMillis(4))));

        assertThat(decision.queued()).extracting(Workload::id).containsExactly("first", "urgent");
        assertThat(decision.finished()).containsExactly("running");
        assertThat(decision.admitted()).extracting(Decision.Admission::id).containsExactly("urgent", "first");
    }
}
