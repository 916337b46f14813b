package dev.quiver.orchestration.events;

import dev.quiver.events.InvalidEventException;
import dev.quiver.events.pipeline.StepCompleted;
import io.cloudevents.CloudEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the run store holds that the catalog's data schemas cannot say, checked before the store is asked, so that an
 * event it could never hold is a 400 naming the field rather than a store error: the event's {@code id} and {@code
 * source}, which identify it as handled, within the lengths the store keeps, and one artifact per name in a report
 * (an attempt has one artifact of each name).
 */
public final class EventLimits {

    static final int MAX_ID_LENGTH = 200;
    static final int MAX_SOURCE_LENGTH = 500;

    private EventLimits() {
    }

    /** @throws InvalidEventException naming {@code ce-id} or {@code ce-source} when it is too long */
    static void requireStorable(CloudEvent event) {
        List<String> problems = new ArrayList<>();
        int id = event.getId().length();
        if (id > MAX_ID_LENGTH) {
            problems.add("ce-id: expected at most " + MAX_ID_LENGTH + " characters, got " + id);
        }
        int source = event.getSource().toString().length();
        if (source > MAX_SOURCE_LENGTH) {
            problems.add("ce-source: expected at most " + MAX_SOURCE_LENGTH + " characters, got " + source);
        }
        if (!problems.isEmpty()) {
            throw new InvalidEventException(event.getType(), problems);
        }
    }

    /** @throws InvalidEventException naming every artifact whose name an earlier one of the list has */
    public static void requireDistinctNames(String type, List<StepCompleted.Artifact> artifacts) {
        if (artifacts == null) {
            return;
        }
        Map<String, Integer> first = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < artifacts.size(); i++) {
            Integer earlier = first.putIfAbsent(artifacts.get(i).name(), i);
            if (earlier != null) {
                problems.add("$.artifacts[" + i + "].name: \"" + artifacts.get(i).name() + "\" is the name of "
                        + "$.artifacts[" + earlier + "] already; expected one artifact per name");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidEventException(type, problems);
        }
    }
}
