package dev.quiver.pool;

import dev.quiver.configfile.FieldError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Every rule a pool breaks, each with its path: what the file reader reports beside what it could not read. */
public final class PoolValidator {

    /** Names become Kubernetes object names (Kueue's ClusterQueues, Cohorts, priority classes). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern RESOURCE = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?(/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?");

    private PoolValidator() {
    }

    public static List<FieldError> validate(PoolSpec pool) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> resources = new HashSet<>();
        for (int i = 0; i < pool.resources().size(); i++) {
            String resource = pool.resources().get(i);
            if (!RESOURCE.matcher(resource).matches()) {
                errors.add(new FieldError("resources[" + i + "]", "\"" + resource + "\" is not a resource name "
                        + "(lower-case letters, digits, '-' and '.', optionally prefixed like nvidia.com/gpu)"));
            } else if (!resources.add(resource)) {
                errors.add(new FieldError("resources[" + i + "]", "\"" + resource + "\" is listed twice"));
            }
        }
        pool.cohorts().values().forEach(cohort -> cohort(pool, cohort, resources, errors));
        if (pool.queues().isEmpty()) {
            errors.add(new FieldError("queues", "a pool needs at least one queue"));
        }
        pool.queues().values().forEach(queue -> queue(pool, queue, resources, errors));
        pool.priorityClasses().values().forEach(priority -> name("priority-classes." + priority.name(),
                priority.name(), errors));
        if (pool.priorityClasses().isEmpty()) {
            errors.add(new FieldError("priority-classes", "a pool needs at least one priority class"));
        }
        work(pool, errors);
        pool.serving().values().forEach(serving -> serving(pool, serving, resources, errors));
        return errors;
    }

    private static void cohort(PoolSpec pool, CohortSpec cohort, Set<String> resources, List<FieldError> errors) {
        String path = "cohorts." + cohort.name();
        name(path, cohort.name(), errors);
        if (pool.queues().containsKey(cohort.name())) {
            errors.add(new FieldError(path, "\"" + cohort.name() + "\" names a queue as well; a cohort and a queue "
                    + "need names of their own"));
        }
        cohort.parent().ifPresent(parent -> {
            if (!pool.cohorts().containsKey(parent)) {
                errors.add(new FieldError(path + ".parent", unknown("cohort", parent, pool.cohorts().keySet())));
            } else if (inCycle(pool, cohort.name())) {
                errors.add(new FieldError(path + ".parent", "\"" + parent + "\" makes a cycle of cohorts: a cohort "
                        + "cannot be part of itself"));
            }
        });
        weight(path, cohort.weight(), errors);
        quotas(path, cohort.quota(), cohort.parent().isPresent(), resources, errors);
    }

    private static void queue(PoolSpec pool, QueueSpec queue, Set<String> resources, List<FieldError> errors) {
        String path = "queues." + queue.name();
        name(path, queue.name(), errors);
        queue.cohort().filter(cohort -> !pool.cohorts().containsKey(cohort)).ifPresent(cohort -> errors.add(
                new FieldError(path + ".cohort", unknown("cohort", cohort, pool.cohorts().keySet()))));
        weight(path, queue.weight(), errors);
        quotas(path, queue.quota(), queue.cohort().isPresent(), resources, errors);
        if (queue.maxPending() < 1) {
            errors.add(new FieldError(path + ".max-pending", "expected a whole number from 1, got "
                    + queue.maxPending()));
        }
    }

    private static void quotas(String path, Map<String, Quota> quotas, boolean inCohort, Set<String> resources,
                               List<FieldError> errors) {
        quotas.forEach((resource, quota) -> {
            String at = path + ".quota." + resource;
            if (!resources.contains(resource)) {
                errors.add(new FieldError(at, unknown("resource", resource, resources)));
            }
            if (quota.lendingLimit().isPresent() && quota.lendingLimit().getAsLong() > quota.nominal()) {
                errors.add(new FieldError(at + ".lending-limit", "lends more than the nominal quota ("
                        + Quantity.format(quota.lendingLimit().getAsLong()) + " > "
                        + Quantity.format(quota.nominal()) + ")"));
            }
            if (!inCohort && quota.borrowingLimit().isPresent()) {
                errors.add(new FieldError(at + ".borrowing-limit", "nothing to borrow from: only a member of a "
                        + "cohort borrows"));
            }
            if (!inCohort && quota.lendingLimit().isPresent()) {
                errors.add(new FieldError(at + ".lending-limit", "nobody to lend to: only a member of a cohort "
                        + "lends"));
            }
        });
    }

    private static void work(PoolSpec pool, List<FieldError> errors) {
        WorkMapping work = pool.work();
        if (!pool.queues().containsKey(work.defaultQueue())) {
            errors.add(new FieldError("work.default-queue", unknown("queue", work.defaultQueue(),
                    pool.queues().keySet())));
        }
        if (!pool.priorityClasses().containsKey(work.defaultPriority())) {
            errors.add(new FieldError("work.default-priority", unknown("priority class", work.defaultPriority(),
                    pool.priorityClasses().keySet())));
        }
        work.planQueues().forEach((plan, queue) -> {
            if (!pool.queues().containsKey(queue)) {
                errors.add(new FieldError("work.plans." + plan, unknown("queue", queue, pool.queues().keySet())));
            }
        });
    }

    private static void serving(PoolSpec pool, ServingSpec serving, Set<String> resources,
                                List<FieldError> errors) {
        String path = "serving." + serving.function();
        name(path, serving.function(), errors);
        QueueSpec queue = pool.queues().get(serving.queue());
        if (queue == null) {
            errors.add(new FieldError(path + ".queue", unknown("queue", serving.queue(), pool.queues().keySet())));
        }
        serving.priority().filter(priority -> !pool.priorityClasses().containsKey(priority)).ifPresent(priority ->
                errors.add(new FieldError(path + ".priority", unknown("priority class", priority,
                        pool.priorityClasses().keySet()))));
        if (serving.replica().values().stream().noneMatch(amount -> amount > 0)) {
            errors.add(new FieldError(path + ".replica", "a replica holds something: name at least one resource "
                    + "with an amount above 0"));
        }
        serving.replica().forEach((resource, amount) -> {
            String at = path + ".replica." + resource;
            if (!resources.contains(resource)) {
                errors.add(new FieldError(at, unknown("resource", resource, new LinkedHashSet<>(pool.resources()))));
            } else if (amount >= Quantity.UNLIMITED) {
                errors.add(new FieldError(at, "a replica holds a bounded amount; expected a quantity such as 2 or "
                        + "4Gi, not unlimited"));
            } else if (queue != null && amount > 0 && pool.quota(queue, resource).nominal() >= Quantity.UNLIMITED) {
                errors.add(new FieldError("queues." + queue.name() + ".quota." + resource, "the reservation of "
                        + "serving function " + serving.function() + " is this nominal quota, in replicas: expected "
                        + "a bounded amount, not unlimited"));
            }
        });
        if (serving.concurrency() < 1) {
            errors.add(new FieldError(path + ".concurrency", "expected a whole number from 1, got "
                    + serving.concurrency()));
        }
    }

    private static boolean inCycle(PoolSpec pool, String start) {
        Set<String> seen = new HashSet<>();
        String at = start;
        while (at != null && seen.add(at)) {
            CohortSpec cohort = pool.cohorts().get(at);
            at = cohort == null ? null : cohort.parent().orElse(null);
        }
        return start.equals(at);
    }

    private static void name(String path, String name, List<FieldError> errors) {
        if (name.length() > 63 || !NAME.matcher(name).matches()) {
            errors.add(new FieldError(path, "\"" + name + "\" is not a name: lower-case letters, digits and '-', "
                    + "starting and ending with a letter or digit, at most 63 characters"));
        }
    }

    private static void weight(String path, double weight, List<FieldError> errors) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            errors.add(new FieldError(path + ".weight", "expected a number from 0, got " + weight));
        }
    }

    private static String unknown(String what, String name, Set<String> known) {
        return "no " + what + " \"" + name + "\"" + (known.isEmpty() ? "" : "; expected one of "
                + String.join(", ", known));
    }
}
