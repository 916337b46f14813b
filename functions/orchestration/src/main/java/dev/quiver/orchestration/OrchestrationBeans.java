package dev.quiver.orchestration;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.dispatch.ExecutorConsumers;
import dev.quiver.orchestration.memo.MemoDryRun;
import dev.quiver.orchestration.objects.ObjectRuns;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.reads.RunReads;
import dev.quiver.orchestration.reads.StepDurations;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.runs.StepSamples;
import dev.quiver.orchestration.schedule.Schedules;
import dev.quiver.orchestration.sla.SlaWatch;
import dev.quiver.orchestration.store.Transactions;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.arc.InjectableInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Produces;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The run store and its users, wired once. The store is whichever datasource is active: the embedded H2 by default,
 * PostgreSQL with the {@code postgresql} profile (functions/orchestration/README.md).
 */
@ApplicationScoped
public class OrchestrationBeans {

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @ApplicationScoped
    Transactions transactions(@Any InjectableInstance<AgroalDataSource> dataSources) {
        return new Transactions(dataSources.getActive());
    }

    @Produces
    @ApplicationScoped
    Outbox outbox(Transactions transactions, EventCodec codec, Clock clock) {
        return new Outbox(transactions, codec, clock);
    }

    @Produces
    @ApplicationScoped
    ExecutorConsumers consumers(OrchestrationConfig config) {
        return ExecutorConsumers.of(config);
    }

    @Produces
    @ApplicationScoped
    Pipelines pipelines() {
        return new Pipelines();
    }

    @Produces
    @ApplicationScoped
    RunCoordinator coordinator(Transactions transactions, Pipelines pipelines, Outbox outbox, RetryPolicies retries,
                               ObjectMapper json, Clock clock, PoolStore pool, OrchestrationConfig config) {
        return new RunCoordinator(transactions, pipelines, outbox, retries, json, clock, pool,
                config.kubernetes().kueue(), config.slowWorkerFactor());
    }

    @Produces
    @ApplicationScoped
    Schedules schedules(Transactions transactions, Pipelines pipelines, RunCoordinator coordinator, Clock clock) {
        return new Schedules(transactions, pipelines, coordinator, clock);
    }

    @Produces
    @ApplicationScoped
    ObjectRuns objectRuns(Pipelines pipelines, RunCoordinator coordinator) {
        return new ObjectRuns(pipelines, coordinator);
    }

    /** Late runs and attempts are found up to three ticks after their end, so that a slow tick misses none. */
    @Produces
    @ApplicationScoped
    SlaWatch slaWatch(Transactions transactions, Pipelines pipelines, Outbox outbox, Clock clock,
                      OrchestrationConfig config, MeterRegistry meters) {
        Duration lookback = config.tickInterval().multipliedBy(3).compareTo(Duration.ofMinutes(10)) > 0
                ? config.tickInterval().multipliedBy(3) : Duration.ofMinutes(10);
        return new SlaWatch(transactions, pipelines, outbox, clock, lookback, meters);
    }

    @Produces
    @ApplicationScoped
    StepDurations durations(Transactions transactions) {
        return new StepDurations(transactions);
    }

    @Produces
    @ApplicationScoped
    StepSamples samples(Transactions transactions) {
        return new StepSamples(transactions);
    }

    @Produces
    @ApplicationScoped
    RunReads reads(Transactions transactions, Pipelines pipelines, StepSamples samples, ObjectMapper json) {
        return new RunReads(transactions, pipelines, samples, json);
    }

    @Produces
    @ApplicationScoped
    MemoDryRun dryRun(Transactions transactions, Clock clock) {
        return new MemoDryRun(transactions, clock);
    }

    @Produces
    @ApplicationScoped
    EventCodec codec(Clock clock) {
        return new EventCodec(clock);
    }

    /** Traces across the events the function takes and sends. */
    @Produces
    @ApplicationScoped
    EventTracing tracing(OpenTelemetry openTelemetry,
                         @ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean tracingOff) {
        return EventTracing.on(openTelemetry, tracingOff);
    }

    /** How the function sends events: to the broker, to {@code function} steps, to the inference function. */
    @Produces
    @ApplicationScoped
    CloudEventSender sender(EventTracing tracing) {
        return new CloudEventSender(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), tracing);
    }
}
