package dev.quiver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.InvalidConfigException;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PoolFileReaderTest {

    @Test
    void readsCohortsQueuesQuotasPriorityClassesAndTheMappingOfWork() {
        PoolSpec pool = PoolFileReader.yaml("pool.yaml", """
                resources: [cpu, memory, nvidia.com/gpu]
                cohorts:
                  company: {quota: {cpu: 16}}
                  research: {parent: company, weight: 2}
                queues:
                  training:
                    cohort: research
                    quota:
                      cpu: {nominal: 8, borrowing-limit: 4, lending-limit: 2}
                      memory: 32Gi
                      nvidia.com/gpu: 2
                    preemption: {within-queue: never, reclaim-within-cohort: lower-priority}
                    queueing: strict-fifo
                    max-pending: 500
                  serving:
                    cohort: company
                    quota: {cpu: 500m}
                priority-classes:
                  batch: {value: 10, preemption: never}
                  interactive: {value: 1000}
                work:
                  default-queue: training
                  default-priority: batch
                  queue-parameter: team
                  plans: {anonymous: training, partner: serving}
                gang-timeout: 2m
                starvation-after: 30m
                """);

        assertThat(pool.resources()).containsExactly("cpu", "memory", "nvidia.com/gpu");
        assertThat(pool.cohorts().get("research").parent()).contains("company");
        assertThat(pool.cohorts().get("research").weight()).isEqualTo(2.0);
        QueueSpec training = pool.queues().get("training");
        assertThat(training.quota().get("cpu")).isEqualTo(new Quota(8000, OptionalLong.of(4000),
                OptionalLong.of(2000)));
        assertThat(training.quota().get("memory").nominal()).isEqualTo(32L * 1024 * 1024 * 1024 * 1000);
        assertThat(training.preemption()).isEqualTo(new Preemption(Preemption.WithinQueue.NEVER,
                Preemption.Reclaim.LOWER_PRIORITY));
        assertThat(training.queueing()).isEqualTo(Queueing.STRICT_FIFO);
        assertThat(training.maxPending()).isEqualTo(500);
        assertThat(pool.queues().get("serving").quota().get("cpu").nominal()).isEqualTo(500);
        assertThat(pool.priorityClasses().get("batch")).isEqualTo(new PriorityClass("batch", 10, false));
        assertThat(pool.priorityClasses().get("interactive").preempting()).isTrue();
        assertThat(pool.work()).isEqualTo(new WorkMapping("training", "batch", "team",
                java.util.Map.of("anonymous", "training", "partner", "serving")));
        assertThat(pool.gangTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(pool.starvationAfter()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void aFileWithOnlyItsQueuesTakesTheDefaultsForTheRest() {
        PoolSpec pool = PoolFileReader.yaml("pool.yaml", "queues: {default: {quota: {cpu: 4}}}");

        assertThat(pool.resources()).isEqualTo(PoolSpec.DEFAULT_RESOURCES);
        assertThat(pool.priorityClasses()).isEqualTo(PoolSpec.DEFAULT_PRIORITY_CLASSES);
        assertThat(pool.work()).isEqualTo(PoolSpec.DEFAULT.work());
        assertThat(pool.queues().get("default").preemption()).isEqualTo(Preemption.DEFAULT);
    }

    @Test
    void theDefaultPoolIsValidAndBoundsNothing() {
        assertThat(PoolValidator.validate(PoolSpec.DEFAULT)).isEmpty();
        assertThat(PoolSpec.DEFAULT.queues().get("default").quota().get("cpu").nominal())
                .isEqualTo(Quantity.UNLIMITED);
    }

    @Test
    void everyProblemIsReportedWithItsPathAndLine() {
        assertThatThrownBy(() -> PoolFileReader.yaml("pool.yaml", """
                resources: [cpu, cpu]
                cohorts:
                  company: {parent: nowhere}
                  loop-a: {parent: loop-b}
                  loop-b: {parent: loop-a}
                queues:
                  Training:
                    cohort: research
                    quota:
                      cpu: {nominal: 2, lending-limit: 3}
                      gpus: 1
                      memory: lots
                    preemption: {within-queue: sometimes}
                    max-pending: 0
                    colour: blue
                  alone:
                    quota: {cpu: {nominal: 1, borrowing-limit: 1}}
                priority-classes:
                  high: {preemption: never}
                work:
                  default-queue: default
                  plans: {anonymous: elsewhere}
                gang-timeout: soon
                """))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).extracting(Object::toString)
                        .containsExactly(
                                "line 12, queues.Training.quota.memory: expected " + Quantity.FORMS
                                        + ", got \"lots\"",
                                "line 13, queues.Training.preemption.within-queue: expected one of never, "
                                        + "lower-priority, got \"sometimes\"",
                                "line 14, queues.Training.max-pending: expected a whole number from 1, got 0",
                                "line 15, queues.Training.colour: unknown setting; expected one of cohort, weight, "
                                        + "quota, preemption, queueing, max-pending",
                                "line 19, priority-classes.high.value: a priority class needs a value (higher is "
                                        + "admitted first)",
                                "line 23, gang-timeout: expected a positive duration such as "
                                        + dev.quiver.configfile.DurationText.FORMS + ", got \"soon\""));
    }

    @Test
    void rulesBetweenSettingsAreReportedWhenEachSettingReads() {
        assertThatThrownBy(() -> PoolFileReader.yaml("pool.yaml", """
                resources: [cpu, cpu]
                cohorts:
                  company: {parent: nowhere}
                  loop-a: {parent: loop-b}
                  loop-b: {parent: loop-a}
                queues:
                  Training:
                    cohort: research
                    quota:
                      cpu: {nominal: 2, lending-limit: 3}
                      gpus: 1
                  alone:
                    quota: {cpu: {nominal: 1, borrowing-limit: 1}}
                work:
                  default-queue: default
                  plans: {anonymous: elsewhere}
                """))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).extracting(Object::toString)
                        .containsExactly(
                                "line 1, resources[1]: \"cpu\" is listed twice",
                                "line 3, cohorts.company.parent: no cohort \"nowhere\"; expected one of company, "
                                         + "loop-a, loop-b",
                                "line 4, cohorts.loop-a.parent: \"loop-b\" makes a cycle of cohorts: a cohort "
                                         + "cannot be part of itself",
                                "line 5, cohorts.loop-b.parent: \"loop-a\" makes a cycle of cohorts: a cohort "
                                         + "cannot be part of itself",
                                "line 7, queues.Training: \"Training\" is not a name: lower-case letters, digits "
                                         + "and '-', starting and ending with a letter or digit, "
                                        + "at most 63 characters",
                                "line 8, queues.Training.cohort: no cohort \"research\"; expected one of company, "
                                         + "loop-a, loop-b",
                                "line 10, queues.Training.quota.cpu.lending-limit: lends more than the nominal "
                                        + "quota (3 > 2)",
                                "line 11, queues.Training.quota.gpus: no resource \"gpus\"; expected one of cpu"
                                        ,
                                "line 13, queues.alone.quota.cpu.borrowing-limit: nothing to borrow from: only a "
                                        + "member of a cohort borrows",
                                "line 15, work.default-queue: no queue \"default\"; expected one of Training, alone"
                                        ,
                                "line 16, work.plans.anonymous: no queue \"elsewhere\"; expected one of Training, "
                                         + "alone"));
    }

    @Test
    void quantitiesAreReadAndWrittenAsKubernetesWritesThem() {
        assertThat(Quantity.parseMillis("1.5")).contains(1500L);
        assertThat(Quantity.parseMillis("250m")).contains(250L);
        assertThat(Quantity.parseMillis("4Gi")).contains(4L * 1024 * 1024 * 1024 * 1000);
        assertThat(Quantity.parseMillis("0.5m")).isEmpty();
        assertThat(Quantity.format(250)).isEqualTo("250m");
        assertThat(Quantity.format(4L * 1024 * 1024 * 1024 * 1000)).isEqualTo("4Gi");
        assertThat(Quantity.format(20_000)).isEqualTo("20");
    }
}
