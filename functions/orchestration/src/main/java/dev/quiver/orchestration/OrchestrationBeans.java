package dev.quiver.orchestration;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.orchestration.memo.MemoDryRun;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.reads.RunReads;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.runs.StepSamples;
import dev.quiver.orchestration.store.Transactions;
import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.InjectableInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Produces;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

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
    Pipelines pipelines() {
        return new Pipelines();
    }

    @Produces
    @ApplicationScoped
    RunCoordinator coordinator(Transactions transactions, Pipelines pipelines, Outbox outbox, RetryPolicies retries,
                               ObjectMapper json, Clock clock, PoolStore pool, OrchestrationConfig config) {
        return new RunCoordinator(transactions, pipelines, outbox, retries, json, clock, pool,
                config.kubernetes().kueue());
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

    /** How the function sends events: to the broker, to {@code function} steps, to the inference function. */
    @Produces
    @ApplicationScoped
    CloudEventSender sender() {
        return new CloudEventSender(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }
}
