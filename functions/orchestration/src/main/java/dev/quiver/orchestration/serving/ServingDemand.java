package dev.quiver.orchestration.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.serving.DemandReported;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.PriorityClass;
import dev.quiver.pool.ServingScale;
import dev.quiver.pool.ServingSpec;
import dev.quiver.pool.scheduler.PoolEvent;
import dev.quiver.pool.scheduler.Workload;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Serving in the shared pool. Each replica of a serving function (the pool file's {@code serving}) holds a workload
 * of its function's queue for every replica its requests need, itself included: one replica's worth of room while it
 * serves within its concurrency, more during a surge. Within the queue's nominal quota (serving's reservation) the
 * pool reclaims room that other queues borrowed, preempting their steps; beyond it, serving borrows from the cohort
 * like any other work. When demand falls or a replica stops reporting, its workloads end and the pool admits what
 * waited, preempted steps included.
 *
 * A replica's load asks for no more replicas than its queue could ever hold (its scale bound).
 *
 * <p>A replica's latest report wins: one with a sequence no higher than the last recorded changes nothing, so a
 * redelivered or late event is harmless. Reports are decided under the pool's lock, with the steps they preempt.
 */
@ApplicationScoped
public class ServingDemand {

    private static final Logger LOG = Logger.getLogger(ServingDemand.class);

    /** What a report changed. */
    public enum Outcome {
        /** the pool file does not count the function: the report is ignored */
        NOT_IN_POOL,
        /** the replica has reported this or a later sequence already */
        STALE,
        /** the replica's workloads now match its demand */
        RECORDED
    }

    private final RunCoordinator coordinator;
    private final PoolSpec pool;
    private final ServingReplicas replicas;
    private final Clock clock;

    public ServingDemand(RunCoordinator coordinator, PoolSpec pool, ObjectMapper json, Clock clock) {
        this.coordinator = coordinator;
        this.pool = pool;
        this.replicas = new ServingReplicas(json);
        this.clock = clock;
    }

    public Outcome reported(DemandReported report) {
        ServingSpec serving = pool.serving().get(report.function());
        if (serving == null) {
            LOG.debugf("demand of %s ignored: the pool file's serving does not name it", report.function());
            return Outcome.NOT_IN_POOL;
        }
        long requests = 0;
        for (DemandReported.ModelDemand model : report.models()) {
            requests += (long) model.inFlight() + model.queued();
        }
        long total = requests;
        // no more than the queue could ever hold: a report of a flood asks for the most, never for unbounded work
        int needed = Math.min(serving.replicasFor(total), ServingScale.of(pool, serving).max()
                .orElse(pool.queues().get(serving.queue()).maxPending()));
        return coordinator.withPool((c, decisions) -> {
            Instant now = clock.instant();
            Optional<ServingReplicas.Replica> known = replicas.find(c, report.function(), report.replica());
            if (known.isPresent() && known.get().sequence() >= report.sequence()) {
                return Outcome.STALE;
            }
            List<String> held = new ArrayList<>(known.map(ServingReplicas.Replica::workloads).orElse(List.of()));
            List<PoolEvent> events = new ArrayList<>();
            while (held.size() > needed) {
                events.add(new PoolEvent.Finished(held.removeLast(), now));
            }
            for (int unit = held.size() + 1; unit <= needed; unit++) {
                Workload workload = workload(serving, report.replica() + "/" + report.sequence() + "." + unit, now);
                held.add(workload.id());
                events.add(new PoolEvent.Submitted(workload, now));
            }
            if (!events.isEmpty()) {
                decisions.decide(events);
                LOG.infof("serving %s replica %s: %d requests need %d replicas' room in queue %s (was %d)",
                        report.function(), report.replica(), total, needed, serving.queue(),
                        known.map(ServingReplicas.Replica::replicas).orElse(0));
            }
            replicas.save(c, new ServingReplicas.Replica(report.function(), report.replica(), report.sequence(),
                    now, total, needed, held), known.isPresent());
            return Outcome.RECORDED;
        });
    }

    /**
     * Frees the room of replicas that stopped reporting (gone, scaled down, or cut off) for their function's
     * {@code expire-after}.
     *
     * @return how many replicas expired
     */
    public int expire() {
        int expired = 0;
        for (ServingSpec serving : pool.serving().values()) {
            expired += coordinator.withPool((c, decisions) -> {
                Instant now = clock.instant();
                List<ServingReplicas.Replica> silent = replicas.silentSince(c, serving.function(),
                        now.minus(serving.expireAfter()));
                for (ServingReplicas.Replica replica : silent) {
                    decisions.decide(replica.workloads().stream()
                            .<PoolEvent>map(id -> new PoolEvent.Finished(id, now)).toList());
                    replicas.save(c, new ServingReplicas.Replica(replica.function(), replica.replica(),
                            replica.sequence(), replica.reportedAt(), 0, 0, List.of()), true);
                    LOG.infof("serving %s replica %s has not reported since %s: its room in queue %s is free",
                            replica.function(), replica.replica(), replica.reportedAt(), serving.queue());
                }
                return silent.size();
            });
        }
        return expired;
    }

    private Workload workload(ServingSpec serving, String unit, Instant now) {
        String className = serving.priority().orElse(pool.work().defaultPriority());
        PriorityClass priority = pool.priorityClasses().get(className);
        return new Workload("serving/" + serving.function() + "/" + unit, serving.queue(), className,
                priority.value(), priority.preempting(), serving.replica(), 1, now);
    }
}
