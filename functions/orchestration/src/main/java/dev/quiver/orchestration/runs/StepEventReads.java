package dev.quiver.orchestration.runs;

import dev.quiver.orchestration.store.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a group of step events reads and claims before any of them is handled, in three statements for the group where
 * each event alone makes three of its own: the events recorded as handled, their runs locked (in the order of their
 * ids, as every group locks them), and those runs' step instances. Each event then takes its share: whether it is its
 * first delivery, and its run as locked with its instances. An event that leaves its run as it recorded it hands the
 * run back, so that the next event of that run in the group finds it too; any other event's run is read again by the
 * next one.
 */
final class StepEventReads implements Transactions.GroupReads<StepEventReads.Event, StepEventReads.Found> {

    private final RunRepository runs;
    private final Clock clock;

    StepEventReads(RunRepository runs, Clock clock) {
        this.runs = runs;
        this.clock = clock;
    }

    /** A step event: who sent it, its id and type, and the run it reports on. */
    record Event(String source, String id, String type, String runId) {

        RunRepository.HandledEvent handled() {
            return new RunRepository.HandledEvent(source, id, type);
        }
    }

    /** A run as locked, with its instances as recorded. */
    record LockedState(RunRepository.LockedRun run, Map<String, RunRepository.InstanceRow> instances) {
    }

    @Override
    public Found read(Connection connection, List<Event> events) throws SQLException {
        List<RunRepository.HandledEvent> handled = events.stream().map(Event::handled).toList();
        boolean[] first = runs.firstDeliveries(connection, handled, clock.instant());
        Set<RunRepository.HandledEvent> firstDeliveries = new HashSet<>();
        for (int i = 0; i < first.length; i++) {
            if (first[i]) {
                firstDeliveries.add(handled.get(i));
            }
        }
        SortedSet<String> runIds = new TreeSet<>(events.stream().map(Event::runId).toList());
        Map<String, RunRepository.LockedRun> locked = runs.lock(connection, runIds);
        Map<String, Map<String, RunRepository.InstanceRow>> instances = runs.instances(connection, locked.keySet());
        Map<String, LockedState> states = new HashMap<>();
        locked.forEach((id, run) -> states.put(id, new LockedState(run, instances.get(id))));
        return new Found(firstDeliveries, states);
    }

    /** What a group read, taken by its events one after another: used by one transaction's thread at a time. */
    static final class Found {
        private final Set<RunRepository.HandledEvent> firstDeliveries;
        private final Map<String, LockedState> runs;

        private Found(Set<RunRepository.HandledEvent> firstDeliveries, Map<String, LockedState> runs) {
            this.firstDeliveries = firstDeliveries;
            this.runs = runs;
        }

        /** Whether the group recorded this event as handled first: true once, for the first of its copies to ask. */
        boolean firstDelivery(RunRepository.HandledEvent event) {
            return firstDeliveries.remove(event);
        }

        /** The run as the group locked it, or as the event before left it; empty when the event must read it. */
        Optional<LockedState> take(String runId) {
            return Optional.ofNullable(runs.remove(runId));
        }

        /** Hands the run back as the event recorded it, for the run's next event in the group. */
        void keep(LockedState state) {
            runs.put(state.run().id(), state);
        }
    }
}
