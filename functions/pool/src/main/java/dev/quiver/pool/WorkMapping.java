package dev.quiver.pool;

import java.util.Map;

/**
 * Which queue and priority class work goes to when it does not say.
 *
 * @param defaultQueue    the queue of a run that names none
 * @param defaultPriority the priority class of a step whose step and pipeline name none
 * @param queueParameter  the run parameter that names a run's queue
 * @param planQueues      the queue of the admission plan of the caller who asked for the run, by plan name: over the
 *                        queue parameter, which may then name no other
 */
public record WorkMapping(String defaultQueue, String defaultPriority, String queueParameter,
                          Map<String, String> planQueues) {

    public WorkMapping {
        planQueues = Map.copyOf(planQueues);
    }
}
