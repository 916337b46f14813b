package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.pipeline.MemoryQuantity;
import dev.quiver.orchestration.pipeline.RetrySpec;
import dev.quiver.orchestration.pipeline.StepSpec;
import dev.quiver.orchestration.retry.backoff.ExponentialBackoff;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Each step's retry policy: its {@code retry} block over {@code quiver.orchestration.retry.*}, and the classification
 * table and budgets every decision shares. Misconfiguration fails the start with the property's name.
 */
@ApplicationScoped
public class RetryPolicies {

    private final OrchestrationConfig.Retry config;
    private final long memoryCeiling;
    private final FailureClassification classification;
    private final ExponentialBackoff defaultBackoff;

    public RetryPolicies(OrchestrationConfig config) {
        this.config = config.retry();
        this.memoryCeiling = property("memory-ceiling", () -> MemoryQuantity.bytes(this.config.memoryCeiling()));
        this.classification = property("error-classes", () -> classification(this.config));
        this.defaultBackoff = new ExponentialBackoff(ExponentialBackoff.DEFAULT_INITIAL,
                ExponentialBackoff.DEFAULT_FACTOR, ExponentialBackoff.DEFAULT_CAP, ExponentialBackoff.DEFAULT_JITTER,
                Optional.of(ExponentialBackoff.DEFAULT_BUDGET), Optional.empty());
        property("retry", () -> policy(Optional.empty()));
    }

    /**
     * The policies of a function configured with nothing but {@code properties} (full names, such as
     * {@code quiver.orchestration.retry.budget.tenant}): for the coordinator outside a Quarkus application, as
     * the benchmarks and the store's contract tests run it.
     */
    public static RetryPolicies configuredBy(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(OrchestrationConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValue("quiver.orchestration.state", ".quiver-orchestration")
                .withSources(new PropertiesConfigSource(properties, "retry-policies", 500)).build();
        return new RetryPolicies(config.getConfigMapping(OrchestrationConfig.class));
    }

    public RetryPolicy policy(StepSpec step) {
        return policy(step.retry());
    }

    public FailureClassification classification() {
        return classification;
    }

    public Budget budget() {
        return new Budget(config.budget().window(), config.budget().pipeline(), config.budget().tenant());
    }

    private RetryPolicy policy(Optional<RetrySpec> spec) {
        RetrySpec given = spec.orElseGet(RetrySpec::none);
        return new RetryPolicy(
                given.maxAttempts().orElse(config.maxAttempts()),
                given.backoff().orElse(defaultBackoff),
                new RetryPolicy.MemoryGrowth(given.memoryFactor().orElse(config.memoryFactor()),
                        given.memoryCeilingBytes().orElse(memoryCeiling)),
                new RetryPolicy.Convergence(given.convergenceWindow().orElse(config.convergenceWindow()),
                        given.convergenceMinDelta().orElse(config.convergenceMinDelta())),
                given.qualityBar().map(bar -> new FailureEvidence.QualityBar(bar.metric(), bar.threshold(),
                        bar.lowerIsBetter(), "the step's retry.quality-bar")),
                given.upstreamReruns().orElse(config.upstreamReruns()),
                given.sameFailureLimit().orElse(config.sameFailureLimit()),
                config.nearLimit(),
                config.spikeFactor());
    }

    private static FailureClassification classification(OrchestrationConfig.Retry config) {
        Map<String, FailureKind> classes = new HashMap<>(FailureClassification.DEFAULT_ERROR_CLASSES);
        config.errorClasses().forEach((name, kind) -> classes.put(name, kind(kind, "error-classes." + name)));
        Map<Integer, FailureKind> codes = new HashMap<>(FailureClassification.DEFAULT_EXIT_CODES);
        config.exitCodes().forEach((code, kind) -> {
            try {
                codes.put(Integer.parseInt(code), kind(kind, "exit-codes." + code));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("exit-codes." + code + ": expected a whole number as the key");
            }
        });
        return new FailureClassification(classes, codes, kind(config.unknown(), "unknown"));
    }

    private static FailureKind kind(String text, String name) {
        try {
            return FailureKind.valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": expected transient, permanent, memory or data-lost, got \""
                    + text + "\"");
        }
    }

    private static <T> T property(String name, Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new IllegalStateException("quiver.orchestration.retry." + (message.contains(":") ? message
                    : name + ": " + message), e);
        }
    }

    /** Retries allowed per {@code window}, per pipeline and per tenant. */
    public record Budget(Duration window, int perPipeline, int perTenant) {
    }
}
