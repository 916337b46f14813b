package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureClassification.Classified;
import dev.quiver.orchestration.retry.FailureEvidence.Failure;
import dev.quiver.orchestration.retry.FailureEvidence.Input;
import dev.quiver.orchestration.retry.backoff.BackoffDecision;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Decides the one thing done about a failed attempt. It is a pure function of the evidence, the step's policy and the
 * generator that jitter draws from, kept apart from reading the evidence and carrying the decision out as Temporal
 * keeps decisions apart from their side effects: a decision can be replayed from its record, and every rule can be
 * tested without a store or a clock.
 *
 * <p>The rules, in this order; the first that applies decides:
 * <ol>
 *   <li><b>Convergence</b>, unless the failure's kind is DATA_LOST (a lost input says nothing of the training): when
 *   the quality bar's metric (the evidence's bar, else the policy's) has at least the convergence window of values
 *   and did not improve by min-delta across the last window, ABANDON if its best value misses the bar, and
 *   ACCEPT_PARTIAL if the best reaches it and the attempt left a result. Otherwise on to rule 2.</li>
 *   <li><b>Permanent failure</b> by the classification: ABANDON.</li>
 *   <li><b>Hopeless progress</b>: with a deadline and two progress samples some time apart, ABANDON when the pace is
 *   zero or less, or when 100% at that pace, counted from the attempt's start, would come after the deadline. Before
 *   the retries, so that a DeadlineExceeded failure that could not have made it is not tried again. Not for an attempt
 *   that ran out of memory (killed for it, or of kind MEMORY): a step short of memory slows down (collection,
 *   swapping) before it is cut off, so its pace says little, and rule 6 decides; its reasons say so.</li>
 *   <li><b>Lost data</b> (kind DATA_LOST, a failed data check, or an input gone or corrupt): RERUN_UPSTREAM of the
 *   producer of the first input gone or corrupt (its digest no longer matches), or of the first input when none is
 *   known lost. ABANDON when no upstream step produces it, GIVE_UP when the run's upstream re-runs or the retry
 *   budget are spent. Before rule 5, so that a re-run that would cure repeated failures is tried; the limit on re-runs
 *   is what stops repetition here.</li>
 *   <li><b>The same failure again</b>: GIVE_UP when the last same-failure-limit attempts, this one included, failed
 *   with one error class and exit code under one memory limit and none got further than the oldest of them. Before
 *   rules 6 and 7, so that a crash that more waiting, or memory at its ceiling, has not cured stops here rather than
 *   using up every attempt: with the default limit of 3, identical failures give up at attempt 3 whatever
 *   max-attempts says, and the reasons say so and name the setting that changes it. Running out of memory under a
 *   limit that grew each time is no repeat: rule 6 goes on growing it up to the ceiling.</li>
 *   <li><b>Memory</b> (kind MEMORY, a kill for memory, or a sudden spike near the limit): RETRY_WITH_RESOURCES with
 *   the larger of the limit and the peak times the growth factor, at most the ceiling, after the backoff's delay.
 *   GIVE_UP when the limit already is the ceiling, or on the limits of rule 7.</li>
 *   <li><b>Otherwise</b> (transient, or unclassified and so of the classification's unknown kind): RETRY after the
 *   backoff's delay. GIVE_UP when the attempts are spent, when the pipeline's or the tenant's retry budget is spent,
 *   or when the backoff stops (its own time budget or attempts).</li>
 * </ol>
 *
 * <p>The decision's reasons are sentences with the figures they rest on, most decisive first; its evidence map holds
 * those figures under stable keys ({@code errorClass}, {@code kind}, {@code attempt}, {@code peakMemoryBytes},
 * {@code lastMetricValues}, {@code projectedFinish}, {@code missingInputs}, {@code corruptInputs},
 * {@code budgetLeftPipeline} and so on), durations and instants as ISO-8601 text.
 */
public final class RetryDecider {

    private final FailureClassification classification;

    public RetryDecider(FailureClassification classification) {
        this.classification = Objects.requireNonNull(classification, "classification");
    }

    /**
     * @param evidence what the failed attempt and its step left
     * @param policy   the step's retry policy
     * @param random   what the backoff's jitter draws from; the decision draws nothing else
     */
    public RetryDecision decide(FailureEvidence evidence, RetryPolicy policy, RandomGenerator random) {
        Failure failure = evidence.failure();
        Classified classified = classification.classify(failure.errorClass(), failure.exitCode());
        Figures figures = new Figures()
                .put("errorClass", failure.errorClass())
                .put("exitCode", failure.exitCode())
                .put("kind", classified.kind().name())
                .put("classifiedBy", classified.by())
                .put("attempt", failure.attempt())
                .put("maxAttempts", policy.maxAttempts());
        Case failed = new Case(evidence, policy, classified, figures, random);
        return converged(failed)
                .or(() -> permanent(failed))
                .or(() -> hopelessProgress(failed))
                .or(() -> lostData(failed))
                .or(() -> sameFailureAgain(failed))
                .or(() -> outOfMemory(failed))
                .orElseGet(() -> retry(failed, isClassified(failure)));
    }

    private static Optional<RetryDecision> converged(Case failed) {
        if (failed.classified().kind() == FailureKind.DATA_LOST) {
            return Optional.empty();
        }
        return MetricTrend.of(failed.evidence(), failed.policy())
                .filter(trend -> trend.converged(failed.policy().convergence().minDelta()))
                .filter(trend -> !trend.bestReachesBar() || failed.evidence().partialResult())
                .map(trend -> convergedShortOrAccepted(failed, trend));
    }

    private static RetryDecision convergedShortOrAccepted(Case failed, MetricTrend trend) {
        FailureEvidence.QualityBar bar = trend.bar();
        RetryPolicy.Convergence convergence = failed.policy().convergence();
        failed.figures()
                .put("qualityMetric", bar.metric())
                .put("threshold", bar.threshold())
                .put("lowerIsBetter", bar.lowerIsBetter())
                .put("qualityBarSource", bar.source())
                .put("lastMetricValues", trend.window())
                .put("bestMetricValue", trend.best())
                .put("convergenceWindow", convergence.window())
                .put("minDelta", convergence.minDelta())
                .put("partialResult", failed.evidence().partialResult());
        String threshold = "the threshold " + ReasonText.value(bar.threshold()) + " (from " + bar.source() + ")";
        String window = " over the last " + trend.window().size() + " values";
        if (!trend.bestReachesBar()) {
            return failed.ends(RetryAction.ABANDON, bar.metric() + " " + trend.movement() + window + "; the best, "
                    + ReasonText.value(trend.best()) + ", is " + (bar.lowerIsBetter() ? "above " : "below ")
                    + threshold);
        }
        return failed.ends(RetryAction.ACCEPT_PARTIAL, bar.metric() + " converged at "
                + ReasonText.value(trend.last()) + " (it " + trend.movement() + window + "), reaching " + threshold
                + ", and the attempt left a result; taking it");
    }

    private static Optional<RetryDecision> permanent(Case failed) {
        if (failed.classified().kind() != FailureKind.PERMANENT) {
            return Optional.empty();
        }
        return Optional.of(failed.ends(RetryAction.ABANDON,
                failed.classified().by() + " is permanent: it would fail the same way again"));
    }

    private static Optional<RetryDecision> hopelessProgress(Case failed) {
        if (failed.outOfMemory()) {
            return Optional.empty();
        }
        return failed.hopelessPace().map(pace -> tooSlow(failed, pace, failed.evidence().deadline().orElseThrow()));
    }

    private static RetryDecision tooSlow(Case failed, ProgressPace pace, Duration deadline) {
        failed.figures()
                .put("progressRatePerHour", pace.percentPerHour())
                .put("firstProgress", pace.first().value())
                .put("lastProgress", pace.last().value())
                .put("progressSpan", pace.span())
                .put("projectedFinish", pace.projected().orElse(null))
                .put("deadline", deadline);
        String pacePer = ReasonText.percent(pace.gain()) + " progress per " + ReasonText.duration(pace.span());
        String outlook = pace.projected()
                .map(finish -> "100% would take " + ReasonText.duration(finish) + ", past the deadline of "
                        + ReasonText.duration(deadline))
                .orElse("100% would never be reached, and the deadline is " + ReasonText.duration(deadline));
        return failed.ends(RetryAction.ABANDON, pacePer + ": " + outlook + "; resources go to the other steps");
    }

    private static Optional<RetryDecision> lostData(Case failed) {
        FailureEvidence evidence = failed.evidence();
        RetryPolicy policy = failed.policy();
        return LostData.of(evidence, failed.classified()).map(lost -> {
            failed.figures()
                    .put("missingInputs", lost.names(FailureEvidence.Availability.GONE))
                    .put("corruptInputs", lost.names(FailureEvidence.Availability.CORRUPT))
                    .put("failedDataChecks", lost.failedChecks())
                    .put("upstreamReruns", evidence.upstreamReruns())
                    .put("maxUpstreamReruns", policy.upstreamReruns());
            if (lost.rerun().isEmpty()) {
                return failed.ends(RetryAction.ABANDON,
                        reasons("the data it needs is missing and no upstream step produces it", lost.signs()));
            }
            Input input = lost.rerun().get();
            failed.figures().put("upstream", input.producer());
            if (evidence.upstreamReruns() >= policy.upstreamReruns()) {
                return failed.ends(RetryAction.GIVE_UP, reasons("upstream re-runs spent: "
                        + evidence.upstreamReruns() + " of " + policy.upstreamReruns(), lost.signs()));
            }
            Optional<String> budgetSpent = failed.budgetSpent();
            if (budgetSpent.isPresent()) {
                return failed.ends(RetryAction.GIVE_UP, reasons(budgetSpent.get(), lost.signs()));
            }
            String lead = lost.rerunIsKnownLost() ? LostData.lost(input) : lost.signs().getFirst();
            String rerun = lost.rerunIsKnownLost()
                    ? lead + "; " + input.producer() + " runs again, then this step"
                    : lead + "; " + input.producer() + ", which produced input " + input.name()
                            + ", runs again, then this step";
            List<String> others = new ArrayList<>(lost.signs());
            others.remove(lead);
            return new RetryDecision(RetryAction.RERUN_UPSTREAM, reasons(rerun, others), failed.figures().asMap(),
                    Duration.ZERO, null, input.producer());
        });
    }

    private static Optional<RetryDecision> sameFailureAgain(Case failed) {
        return RepeatedFailure.of(failed.evidence(), failed.policy().sameFailureLimit()).map(repeated -> {
            failed.figures()
                    .put("sameFailureCount", repeated.times())
                    .put("sameFailureLimit", failed.policy().sameFailureLimit())
                    .put("peakProgress", repeated.peakProgress());
            String repetition = failed.failureName() + " " + repeated.times() + " times in a row, never past "
                    + ReasonText.percent(repeated.peakProgress()) + " progress";
            int attempt = failed.evidence().failure().attempt();
            int maxAttempts = failed.policy().maxAttempts();
            if (attempt >= maxAttempts) {
                return failed.ends(RetryAction.GIVE_UP, repetition);
            }
            return failed.ends(RetryAction.GIVE_UP, repetition, "same-failure-limit "
                    + failed.policy().sameFailureLimit() + " ends the step at attempt " + attempt + " of "
                    + maxAttempts + ": the same failure without progress is not tried again; to use every attempt, "
                    + "raise retry.same-failure-limit in the step (or quiver.orchestration.retry.same-failure-limit)");
        });
    }

    private static Optional<RetryDecision> outOfMemory(Case failed) {
        FailureEvidence evidence = failed.evidence();
        RetryPolicy policy = failed.policy();
        MemoryUse use = MemoryUse.of(evidence.memory(), evidence.memoryLimitBytes());
        boolean killed = evidence.failure().killedForMemory();
        boolean spiked = use.spikedNearLimit(policy.nearLimit(), policy.spikeFactor());
        if (!failed.outOfMemory() && !spiked) {
            return Optional.empty();
        }
        failed.figures()
                .put("peakMemoryBytes", use.samples() == 0 ? null : use.peak())
                .put("medianMemoryBytes", use.samples() == 0 ? null : use.median())
                .put("memoryLimitBytes", use.limit())
                .put("memoryCeilingBytes", policy.memory().ceilingBytes())
                .put("killedForMemory", killed)
                .put("memorySpike", spiked);
        List<String> causes = new ArrayList<>();
        if (killed) {
            causes.add("killed for memory at " + use.peakOfLimit());
        } else if (failed.classified().kind() == FailureKind.MEMORY) {
            causes.add(failed.classified().by() + " means out of memory at " + use.peakOfLimit());
        }
        if (spiked) {
            causes.add(use.spike());
        }
        String cause = causes.getFirst();
        List<String> context = new ArrayList<>(causes.subList(1, causes.size()));
        failed.hopelessPace().ifPresent(pace -> context.add(ReasonText.percent(pace.gain()) + " progress per "
                + ReasonText.duration(pace.span()) + " would miss the deadline of "
                + ReasonText.duration(evidence.deadline().orElseThrow()) + ", but a step short of memory slows down "
                + "and is cut off: memory (rule 6) decides before hopeless progress (rule 3) for a memory failure, "
                + "and same-failure-limit stops a repeat that more memory does not cure"));
        if (use.atCeiling(policy.memory())) {
            String ceiling = ReasonText.bytes(policy.memory().ceilingBytes());
            String atCeiling = cause + "; its limit has reached the ceiling of " + ceiling
                    + ", and more memory is not allowed";
            return Optional.of(failed.ends(RetryAction.GIVE_UP, reasons(atCeiling, context)));
        }
        long next = use.nextLimit(policy.memory());
        failed.figures().put("nextMemoryBytes", next);
        return Optional.of(switch (failed.gate()) {
            case Stop(String reason) -> failed.ends(RetryAction.GIVE_UP, reasons(reason, causes));
            case Retry(Duration delay) -> {
                List<String> reasons = reasons(cause + "; the next attempt gets " + ReasonText.bytes(next),
                        reasons(failed.retryIn(delay), context));
                yield new RetryDecision(RetryAction.RETRY_WITH_RESOURCES, reasons, failed.figures().asMap(), delay,
                        next, null);
            }
        });
    }

    private static RetryDecision retry(Case failed, boolean classified) {
        String cause = failed.classified().by() + (classified ? " is transient" : " is taken as transient");
        return switch (failed.gate()) {
            case Stop(String reason) -> failed.ends(RetryAction.GIVE_UP, reason, cause);
            case Retry(Duration delay) -> new RetryDecision(RetryAction.RETRY, List.of(cause + "; "
                    + failed.retryIn(delay)), failed.figures().asMap(), delay, null, null);
        };
    }

    /** Whether the table names the failure's error class or exit code, rather than leaving it to the unknown kind. */
    private boolean isClassified(Failure failure) {
        return failure.errorClass() != null && classification.errorClasses().containsKey(failure.errorClass())
                || failure.exitCode() != null && classification.exitCodes().containsKey(failure.exitCode());
    }

    private static List<String> reasons(String first, List<String> rest) {
        List<String> reasons = new ArrayList<>();
        reasons.add(first);
        reasons.addAll(rest);
        return reasons;
    }

    /** One failed attempt as it is weighed: the figures grow with the rule that decides. */
    private record Case(FailureEvidence evidence, RetryPolicy policy, Classified classified, Figures figures,
                        RandomGenerator random) {

        /** A decision that starts nothing: no delay, memory or upstream. */
        RetryDecision ends(RetryAction action, String... reasons) {
            return ends(action, List.of(reasons));
        }

        RetryDecision ends(RetryAction action, List<String> reasons) {
            return new RetryDecision(action, reasons, figures.asMap(), Duration.ZERO, null, null);
        }

        /**
         * Whether another attempt may be made, and when: the step's attempts, then the retry budgets, then the
         * backoff's own limits and delay. A stop carries the reason of the limit that was reached.
         */
        BackoffDecision gate() {
            Failure failure = evidence.failure();
            if (failure.attempt() >= policy.maxAttempts()) {
                return new Stop("attempt " + failure.attempt() + " of " + policy.maxAttempts() + " failed");
            }
            Optional<String> budgetSpent = budgetSpent();
            if (budgetSpent.isPresent()) {
                return new Stop(budgetSpent.get());
            }
            BackoffDecision backoff = policy.backoff().next(failure.attempt(), evidence.sinceFirstAttempt(),
                    failure.errorClass(), random);
            if (backoff instanceof Retry(Duration delay)) {
                figures.put("delay", delay);
            }
            return backoff;
        }

        Optional<String> budgetSpent() {
            FailureEvidence.BudgetLeft budget = evidence.budget();
            figures.put("budgetLeftPipeline", budget.pipelineLeft()).put("budgetLeftTenant", budget.tenantLeft());
            if (budget.pipelineLeft() <= 0) {
                return Optional.of("the retry budget of pipeline " + budget.pipeline() + " is spent");
            }
            if (budget.tenantLeft() <= 0) {
                return Optional.of("the retry budget of tenant " + budget.tenant() + " is spent");
            }
            return Optional.empty();
        }

        /** Whether the attempt ran out of memory: killed for it, or a class or exit code of kind MEMORY. */
        boolean outOfMemory() {
            return evidence.failure().killedForMemory() || classified.kind() == FailureKind.MEMORY;
        }

        /** The attempt's pace, when it has a deadline and the pace could not have reached 100% before it. */
        Optional<ProgressPace> hopelessPace() {
            return evidence.deadline().flatMap(deadline -> ProgressPace.of(evidence.progress(),
                    evidence.attemptStarted()).filter(pace -> pace.misses(deadline)));
        }

        String retryIn(Duration delay) {
            return "retry in " + ReasonText.duration(delay) + " as attempt " + (evidence.failure().attempt() + 1)
                    + " of " + policy.maxAttempts();
        }

        /** {@code OutOfMemory}, {@code OutOfMemory (exit code 137)}, {@code exit code 137}. */
        String failureName() {
            Failure failure = evidence.failure();
            if (failure.errorClass() == null) {
                return failure.exitCode() == null ? "a failure with no error class or exit code"
                        : "exit code " + failure.exitCode();
            }
            return failure.errorClass() + (failure.exitCode() == null ? "" : " (exit code " + failure.exitCode() + ")");
        }
    }
}
