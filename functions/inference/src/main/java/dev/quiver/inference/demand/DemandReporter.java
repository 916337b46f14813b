package dev.quiver.inference.demand;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.serving.DemandReported;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.ReplicaName;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.ServingSpec;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Reports this replica's serving demand to the shared pool as {@code dev.quiver.serving.demand.reported} events:
 * every {@code interval}, and at once when the replicas its requests need change. What one replica serves at once and
 * holds comes from the pool file's {@code serving} entry for this function ({@code quiver.pool.file}, the file the
 * orchestration function reads); without one, the pool's default concurrency and no resources. Without a sink
 * nothing is reported.
 */
@ApplicationScoped
public class DemandReporter {

    private static final Logger LOG = Logger.getLogger(DemandReporter.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

    private final DemandConfig config;
    private final Supplier<List<DemandReported.ModelDemand>> sampler;
    private final EventCodec codec;
    private final Clock clock;
    private final ServingSpec serving;
    private final String replica;
    private final CloudEventSender sender;
    private ScheduledExecutorService timer;
    private long sequence;
    private int lastReplicas = -1;
    private Instant lastSent = Instant.MIN;
    private boolean failing;

    @Inject
    public DemandReporter(InferenceConfig config, ModelRegistry registry, EventCodec codec, CloudEventSender sender,
                          Clock clock) {
        this(config.inference().demand(), new DemandSampler(registry)::sample, codec, sender, clock,
                serving(config.inference().demand().function(), config.pool().file()), ReplicaName.create());
    }

    /** @param sampler the requests of each model the replica serves now */
    DemandReporter(DemandConfig config, Supplier<List<DemandReported.ModelDemand>> sampler, EventCodec codec,
                   CloudEventSender sender, Clock clock, ServingSpec serving, String replica) {
        this.config = config;
        this.sampler = sampler;
        this.codec = codec;
        this.sender = sender;
        this.clock = clock;
        this.serving = serving;
        this.replica = replica;
    }

    void start(@Observes StartupEvent started) {
        if (config.sink().isEmpty()) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(task -> Thread.ofPlatform().daemon()
                .name("quiver-demand-reporter").unstarted(task));
        long every = config.checkInterval().toMillis();
        timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
        LOG.infof("serving demand of %s (replica %s) reported to %s every %s and on change", config.function(),
                replica, config.sink().get(), config.interval());
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Sends a report when the replicas needed changed or the interval has passed since the last one. */
    synchronized void check() {
        try {
            List<DemandReported.ModelDemand> models = sampler.get();
            long requests = models.stream().mapToLong(m -> (long) m.inFlight() + m.queued()).sum();
            int replicas = serving.replicasFor(requests);
            Instant now = clock.instant();
            if (replicas == lastReplicas && now.isBefore(lastSent.plus(config.interval()))) {
                return;
            }
            DemandReported report = new DemandReported(config.function(), replica, ++sequence, now, models, replicas,
                    resources(replicas));
            URI sink = config.sink().orElseThrow();
            HttpResponse<byte[]> answer = sender.send(sink, codec.encode(EventTypes.SERVING_DEMAND_REPORTED,
                    URI.create("/quiver/" + config.function()), report, Map.of()), SEND_TIMEOUT);
            if (answer.statusCode() >= 300) {
                failed("sink " + sink + " answered " + answer.statusCode());
                return;
            }
            if (failing) {
                LOG.infof("serving demand reports reach %s again (report %d)", sink, sequence);
                failing = false;
            }
            lastReplicas = replicas;
            lastSent = now;
        } catch (IOException e) {
            failed("sink " + config.sink().orElseThrow() + " unreachable: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "serving demand report %d failed", sequence);
        }
    }

    /** A report that did not arrive is sent again at the next check; a sink that is away is logged once. */
    private void failed(String why) {
        if (failing) {
            LOG.debugf("serving demand report %d: %s", sequence, why);
        } else {
            LOG.warnf("serving demand report %d: %s; trying again every %s", sequence, why, config.checkInterval());
            failing = true;
        }
    }

    private Map<String, String> resources(int replicas) {
        Map<String, String> resources = new LinkedHashMap<>();
        serving.resources(replicas).forEach((resource, millis) -> resources.put(resource, Quantity.format(millis)));
        return resources;
    }

    static ServingSpec serving(String function, Optional<Path> poolFile) {
        PoolSpec pool = poolFile.map(file -> {
            try {
                return PoolFileReader.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the pool file " + file + " (quiver.pool.file)", e);
            }
        }).orElse(PoolSpec.DEFAULT);
        return Optional.ofNullable(pool.serving().get(function)).orElseGet(() -> new ServingSpec(function,
                pool.work().defaultQueue(), Optional.empty(), Map.of(), ServingSpec.DEFAULT_CONCURRENCY,
                ServingSpec.DEFAULT_EXPIRE_AFTER));
    }
}
