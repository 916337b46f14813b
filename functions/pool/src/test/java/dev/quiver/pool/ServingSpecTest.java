package dev.quiver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.InvalidConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ServingSpecTest {

    private static final String POOL = """
            cohorts:
              company: {}
            work: {default-queue: training}
            queues:
              serving:
                cohort: company
                quota:
                  cpu: {nominal: 4, borrowing-limit: 6}
                  memory: {nominal: 16Gi}
              training:
                cohort: company
                quota: {cpu: 8, memory: 64Gi}
            serving:
              inference:
                queue: serving
                priority: high
                replica: {cpu: 2, memory: 2Gi}
                concurrency: 16
                expire-after: 30s
              ocr:
                queue: serving
                replica: {cpu: 1}
            """;

    @Test
    void aServingFunctionIsReadWithItsQueueReplicaAndConcurrency() {
        PoolSpec pool = PoolFileReader.yaml("pool.yaml", POOL);
        ServingSpec inference = pool.serving().get("inference");
        assertThat(inference).isEqualTo(new ServingSpec("inference", "serving", Optional.of("high"),
                Map.of("cpu", 2000L, "memory", 2L * 1024 * 1024 * 1024 * 1000), 16, Duration.ofSeconds(30)));
        ServingSpec ocr = pool.serving().get("ocr");
        assertThat(ocr.concurrency()).isEqualTo(ServingSpec.DEFAULT_CONCURRENCY);
        assertThat(ocr.expireAfter()).isEqualTo(ServingSpec.DEFAULT_EXPIRE_AFTER);
        assertThat(ocr.priority()).isEmpty();
    }

    @Test
    void theRequestsOfAReplicaNeedReplicasByItsConcurrency() {
        ServingSpec inference = PoolFileReader.yaml("pool.yaml", POOL).serving().get("inference");
        assertThat(inference.replicasFor(0)).as("a replica that reports holds itself").isEqualTo(1);
        assertThat(inference.replicasFor(16)).isEqualTo(1);
        assertThat(inference.replicasFor(17)).isEqualTo(2);
        assertThat(inference.replicasFor(64)).isEqualTo(4);
        assertThat(inference.resources(3)).containsEntry("cpu", 6000L);
    }

    @Test
    void scaleBoundsAreTheReservationAndWhatMayBeBorrowedInReplicas() {
        PoolSpec pool = PoolFileReader.yaml("pool.yaml", POOL);
        // cpu: nominal 4 holds 2 replicas, with the borrowing limit 6 more: 10 cpu, 5 replicas; memory 16Gi holds 8
        // and borrows without bound from the 64Gi the training queue lends: cpu is the scarcer
        assertThat(ServingScale.of(pool, pool.serving().get("inference"))).isEqualTo(new ServingScale(2,
                OptionalInt.of(5)));
        assertThat(ServingScale.of(pool, pool.serving().get("ocr"))).isEqualTo(new ServingScale(4,
                OptionalInt.of(10)));
        PoolSpec unbounded = PoolFileReader.yaml("pool.yaml", """
                queues:
                  serving: {quota: {cpu: 3}}
                work: {default-queue: serving}
                serving:
                  inference: {queue: serving, replica: {cpu: 1}}
                """);
        assertThat(ServingScale.of(unbounded, unbounded.serving().get("inference")))
                .as("a queue in no cohort borrows nothing").isEqualTo(new ServingScale(3, OptionalInt.of(3)));
    }

    @Test
    void aServingFunctionWithProblemsIsRefusedWithEachOfThem() {
        assertThatThrownBy(() -> PoolFileReader.yaml("pool.yaml", """
                queues:
                  serving: {quota: {cpu: 4}}
                work: {default-queue: serving}
                serving:
                  ocr:
                    queue: serving
                    replica: {cpu: 1}
                    concurrency: 0
                  search:
                    replica: {cpu: 1}
                """))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).extracting(Object::toString)
                        .containsExactly(
                                "line 8, serving.ocr.concurrency: expected a whole number from 1, got 0",
                                "line 10, serving.search.queue: a serving function names the queue its replicas "
                                        + "are admitted to"));
        assertThatThrownBy(() -> PoolFileReader.yaml("pool.yaml", """
                queues:
                  serving: {quota: {cpu: unlimited}}
                work: {default-queue: serving}
                serving:
                  Inference:
                    queue: serving
                    replica: {cpu: 1, gpus: 1}
                  ocr:
                    queue: servng
                    priority: urgent
                    replica: {cpu: 0}
                """))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).extracting(Object::toString)
                        .containsExactly(
                                "line 2, queues.serving.quota.cpu: the reservation of serving function Inference "
                                        + "is this nominal quota, in replicas: expected a bounded amount, not "
                                        + "unlimited",
                                "line 5, serving.Inference: \"Inference\" is not a name: lower-case letters, "
                                        + "digits and '-', starting and ending with a letter or digit, at most 63 "
                                        + "characters",
                                "line 7, serving.Inference.replica.gpus: no resource \"gpus\"; expected one of cpu, "
                                        + "memory, gpu",
                                "line 9, serving.ocr.queue: no queue \"servng\"; expected one of serving",
                                "line 10, serving.ocr.priority: no priority class \"urgent\"; expected one of low, "
                                        + "normal, high, system",
                                "line 11, serving.ocr.replica: a replica holds something: name at least one "
                                        + "resource with an amount above 0"));
    }
}
